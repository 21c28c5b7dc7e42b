/**
 * Spoilers written `||like this||` (Telegram's own MarkdownV2 syntax, which
 * models trained on Telegram bots use). CommonMark does not know them, so they
 * are found in the text of one run of inline content after parsing.
 *
 * Like emphasis, an opening `||` must be followed by a non-space character
 * and a closing one preceded by one, so "a || b" in prose stays text. Markers
 * pair left to right within the same parent (a paragraph, a bold span...);
 * one without a partner is shown as text.
 */
import type { PhrasingContent } from "mdast";

/** Where a spoiler starts or ends: `at` is the index of `||` in a text node's value. */
export interface SpoilerMarker {
  at: number;
  role: "open" | "close";
}

/** The paired spoiler markers among `children`, by child index. */
export function findSpoilerMarkers(
  children: readonly PhrasingContent[],
): Map<number, SpoilerMarker[]> {
  const markers = new Map<number, SpoilerMarker[]>();
  let opener: { child: number; at: number } | undefined;
  children.forEach((child, index) => {
    if (child.type !== "text") return;
    const value = child.value;
    for (let at = value.indexOf("||"); at !== -1; at = value.indexOf("||", at + 2)) {
      if (opener === undefined) {
        if (!isSpace(charAfter(children, index, at + 2))) opener = { child: index, at };
      } else if (!isSpace(charBefore(children, index, at))) {
        add(markers, opener.child, { at: opener.at, role: "open" });
        add(markers, index, { at, role: "close" });
        opener = undefined;
      }
    }
  });
  return markers;
}

function add(markers: Map<number, SpoilerMarker[]>, child: number, marker: SpoilerMarker): void {
  const list = markers.get(child);
  if (list === undefined) markers.set(child, [marker]);
  else list.push(marker);
}

/** The character before position `at` of child `index`, looking into the previous sibling. */
function charBefore(children: readonly PhrasingContent[], index: number, at: number): string {
  const child = children[index];
  if (child?.type === "text" && at > 0) return child.value.charAt(at - 1);
  return edgeChar(children[index - 1], "end");
}

/** The character at position `at` of child `index`, looking into the next sibling. */
function charAfter(children: readonly PhrasingContent[], index: number, at: number): string {
  const child = children[index];
  if (child?.type === "text" && at < child.value.length) return child.value.charAt(at);
  return edgeChar(children[index + 1], "start");
}

/** What a neighbouring node looks like from outside: formatted spans count as non-space. */
function edgeChar(node: PhrasingContent | undefined, side: "start" | "end"): string {
  if (node === undefined || node.type === "break") return " ";
  if (node.type === "text") return (side === "start" ? node.value.at(0) : node.value.at(-1)) ?? " ";
  return "x";
}

function isSpace(char: string): boolean {
  return char === "" || /\s/u.test(char);
}
