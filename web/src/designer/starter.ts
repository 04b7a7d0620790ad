/** What a new design starts from: valid YAML with no steps yet, and a word on how to go on. */
export const STARTER = `# A new workflow. Drag commands onto the graph (or press them),
# draw an edge to make a step wait for another, then save.
id: my-workflow
name: My workflow
steps: []
`;
