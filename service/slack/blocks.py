"""Block Kit for answers, summaries and story lists, within Slack's limits (3,000 chars a text, 50 blocks)."""
from __future__ import annotations

MAX_TEXT = 3000
MAX_BLOCKS = 50


def _chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    """Split at sentence or word boundaries so no block exceeds Slack's text limit."""
    out = []
    while len(text) > size:
        cut = max(text.rfind(". ", 0, size), text.rfind(" ", 0, size))
        cut = cut + 1 if cut > 0 else size
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        out.append(text)
    return out


def escape(text: str) -> str:
    """User and article text shown as mrkdwn: no `<!channel>`, no link or mention of its own."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_target(url: str) -> str:
    """A URL inside `<url|text>`: the characters that would end or split the link, encoded."""
    return "".join(f"%{ord(ch):02X}" if ch in "|<> \"\n\r\t" else ch for ch in url)


def _trim(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _source_line(c) -> str:
    title = escape(_trim(c.title or c.article_id, 150))
    link = f"<{link_target(c.url)}|{title}>" if c.url else f"*{title}*"
    meta = ", ".join(x for x in (c.source, c.published) if x)
    return _trim(f"[{c.id}] {link} — {escape(meta) or 'unknown outlet'}\n> “{escape(c.quote)}”", MAX_TEXT)


def _finish(blocks: list[dict]) -> list[dict]:
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [{"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"…{len(blocks) - MAX_BLOCKS + 1} more blocks trimmed"}]}]
    return blocks


def answer_blocks(answer) -> list[dict]:
    if answer.abstained:
        return [{"type": "section", "text": {"type": "plain_text", "text": answer.answer}}]
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": escape(part)}}
                          for part in _chunks(answer.answer)]
    if answer.conflicts:
        lines = [f"• {escape(c.about)}: " + " vs ".join(f"[{v.citation}]" for v in c.versions) for c in answer.conflicts]
        for part in _chunks(":warning: *Outlets differ:*\n" + "\n".join(lines)):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
    if answer.citations:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "*Sources*"}]})
        for c in answer.citations:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _source_line(c)}]})
    if answer.unsupported_sentences:
        n = len(answer.unsupported_sentences)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f":scissors: {n} sentence{'s' if n > 1 else ''} removed: no source supported "
                       f"{'them' if n > 1 else 'it'}."}]})
    return _finish(blocks)


def summary_blocks(summary) -> list[dict]:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": escape(p)}} for p in _chunks(summary.summary)]
    if summary.citations:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "*Sources*"}]})
        blocks += [{"type": "context", "elements": [{"type": "mrkdwn", "text": _source_line(c)}]}
                   for c in summary.citations]
    return _finish(blocks)


def stories_blocks(stories) -> list[dict]:
    blocks = []
    for s in stories:
        outlets = ", ".join(sorted({a.source or "?" for a in s.articles}))
        flag = f" · :warning: {s.conflicts} conflicts" if s.conflicts else ""
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _trim(
            f"*{escape(s.title)}*\n`{s.id}` · {len(s.articles)} articles · {escape(outlets)}{flag}", MAX_TEXT)}})
    return _finish(blocks or [{"type": "section", "text": {"type": "plain_text", "text": "No stories yet."}}])


def error_blocks(message: str) -> list[dict]:
    """`message` is mrkdwn already escaped by the caller."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f":x: {_trim(message, 2900)}"}}]
