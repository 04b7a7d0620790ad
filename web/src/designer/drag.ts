/** The type of data a palette entry carries while dragged onto the canvas. */
export const COMMAND_DRAG_TYPE = 'application/x-cairn-command';
