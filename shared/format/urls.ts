/**
 * Whether Telegram will accept `url` as the target of a `text_link` entity.
 * Only absolute http(s) and Telegram's own schemes are allowed: a relative
 * link ("docs/setup.md", "#usage") or another scheme would make the whole
 * message fail with "can't parse entities", so such links are shown as
 * plain text instead. Whitespace and control characters are refused too.
 */
export function isLinkableUrl(url: string): boolean {
  return /^(?:https?|tg|ton|tonsite):\/\/\S+$/i.test(url) && !hasControlCharacter(url);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f) return true;
  }
  return false;
}
