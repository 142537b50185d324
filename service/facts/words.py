"""The verifier's own word forms. A copy of search's tokenizer at the time the verifier's
thresholds were measured: tuning BM25 must not silently move what "the claim's words are in the
quote" means (tests/test_verifier.py pins both behaviours)."""
from __future__ import annotations

import re

STOPWORDS = frozenset(
    "a an and are as at be been but by for from had has have he her his i if in into is it its "
    "me my no not of on or our she so such than that the their them then there these they this "
    "to was we were what when where which who whom why will with would you your do does did "
    "about after before over under up down out also just can could may might said says say".split()
)
BRITISH = {"defence": "defense", "offence": "offense", "licence": "license", "programme": "program",
           "organisation": "organization", "centre": "center"}
_TOKEN = re.compile(r"[\w€$£%]+(?:[.,'’-][\w]+)*", re.UNICODE)


def _form(token: str) -> str | None:
    token = token.replace("’", "'").removesuffix("'s")
    if token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
        return None
    token = BRITISH.get(token, token)
    # crude plural folding ("talks" meets "talk"), never on "-ss" words ("press")
    return token[:-1] if len(token) > 4 and token[-1] == "s" and token[-2] != "s" else token


def content_words(text: str) -> set[str]:
    """The lower-cased content words of a text, stopwords dropped, plurals folded."""
    return {form for token in _TOKEN.findall(text.lower()) if (form := _form(token))}
