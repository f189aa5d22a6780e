// Text that came from the other peer (or from anyone who can write to the DHT), made safe to show:
// characters that would move, hide or reorder what is around them are replaced with U+FFFD, so a line
// cannot fake a line of ours, hide its words or reverse a file name's extension. The Java programs
// apply the same rule (docs/file-transfer.md). The page shows text only as text (textContent), never as
// HTML, so markup in peer text is shown as typed.

/**
 * C0 controls but TAB, DEL, C1 controls, the line and paragraph separators, and every format character
 * (general category Cf: the bidi controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069, and
 * U+FEFF, U+00AD, ...) except ZWNJ and ZWJ (U+200C, U+200D), which emoji sequences and several scripts need.
 */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu;

/** {@code text} with every unsafe character replaced by U+FFFD. */
export function displayable(text) {
  return String(text).replace(UNSAFE, '\ufffd');
}
