// JSX-like templates without a compiler: htm turns tagged template literals into preact vnodes.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
