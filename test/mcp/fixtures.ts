/** Workflows the MCP tests store and run. */

export const HELLO = `id: hello
name: Hello
description: Greets someone in the logs
category: demo
tags: [greeting, example]
parameters:
  who: { type: string, default: world }
steps:
  - id: greet
    command: shell
    parameters:
      env: { WHO: "\${{ parameters.who }}" }
      run: printf 'greeting=Hello, %s\\n' "$WHO" >> "$CAIRN_OUTPUT"
`;

export const SLOW = `id: slow
name: Slow
parameters: {}
steps:
  - id: nap
    command: wait
    parameters: { seconds: 600 }
`;

export const GATED = `id: gated
name: Gated
steps:
  - id: go
    command: approval
    parameters: { instructions: Say go. }
  - id: after
    command: log
    depends_on: [go]
    parameters: { message: approved }
`;

/** Fails until flag.txt exists in the working directory; then a retry succeeds. */
export const FLAKY = `id: flaky
name: Flaky
steps:
  - id: check
    command: shell
    parameters: { run: test -f flag.txt }
`;

/** Two steps with compensations, the second held open by a task. */
export const UNDOABLE = `id: undoable
name: Undoable
steps:
  - id: create
    command: shell
    parameters: { run: echo "made=1" >> "$CAIRN_OUTPUT" }
    rollback: { command: log, parameters: { message: undo create } }
  - id: hold
    command: task
    depends_on: [create]
    parameters: { instructions: Wait here., assignee: agent }
`;

/** Named commands the seeds use, mapped onto built-ins (cairn.yaml). */
export const CONFIG = `commands:
  hv-status: { uses: log, parameters: { message: status } }
  hv-broadcast: { uses: log, parameters: { message: broadcast } }
  hv-delegate: { uses: log, parameters: { message: delegate } }
`;

/** A sequence of named commands, for autocomplete. */
export const SEQUENCE = `id: incident
name: Incident response
description: Status, broadcast, delegate, remember
category: incident
tags: [database, incident]
steps:
  - { id: status, command: hv-status }
  - { id: broadcast, command: hv-broadcast, depends_on: [status] }
  - { id: delegate, command: hv-delegate, depends_on: [broadcast] }
  - { id: note, command: remember, depends_on: [delegate], parameters: { text: resolved } }
`;
