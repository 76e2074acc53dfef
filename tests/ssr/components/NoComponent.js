// Exports no component: rendering it is an error reply.
export const answer = 42;
