import pytest
from index.clean import clean_article_text
from index.load import load_paths
from index.sentences import sentence_spans, split_sentences


def _seed_articles(seeds_dir):
    arts = [a for a in load_paths([str(seeds_dir)], 5_000_000)]
    assert all(hasattr(a, "text") for a in arts), arts
    return sorted(arts, key=lambda a: a.path)


def test_seed_boilerplate_is_removed(seeds_dir):
    first, second = _seed_articles(seeds_dir)
    for art in (first, second):
        for junk in ("Comments", "Popular posts", "Lando Norris", "Kamala Harris", "Palestinian Advocates"):
            assert junk not in art.text, (junk, art.path)
    assert "Lando Norris" in first.raw_text  # the raw text is kept untouched
    assert "Russia’s Offensive Intensifies" in first.text  # real subheads survive


def test_headline_repeated_in_body_is_dropped(seeds_dir):
    _, second = _seed_articles(seeds_dir)
    assert second.title == "European Allies: Russian Aggression Blocks Path to Ukraine Ceasefire"
    assert second.title not in second.text
    assert second.raw_text.count(second.title) == 2


def test_repeated_paragraph_dropped_but_anaphora_kept():
    raw = "Title\n\nFirst paragraph here.\n\nA quote said twice.\n\nMiddle.\n\nA quote said twice.\n"
    cleaned = clean_article_text(raw, "Title")
    assert cleaned.count("A quote said twice.") == 1
    speech = "He said: \"I want peace. I want peace, but not at any price.\""
    assert clean_article_text(speech) == speech


def test_trailer_marker_inside_article_does_not_truncate():
    raw = ("The council read the comments.\n\nComments\n\n"
           "Residents filed more than two hundred written comments on the plan, and the council "
           "said on Monday that it would answer every one of them before the vote in April.")
    cleaned = clean_article_text(raw)
    assert "two hundred written comments" in cleaned


def test_furniture_lines_removed_anywhere():
    raw = ("We use cookies to improve your experience.\n\nReal text about the dam.\n\nAdvertisement\n\n"
           "More real text.\n\nShare this article\n\nSubscribe to our newsletter today")
    cleaned = clean_article_text(raw)
    assert cleaned == "Real text about the dam.\n\nMore real text."


def test_sentence_spans_are_exact_and_respect_abbreviations():
    text = 'U.S. Defense Secretary Pete Hegseth did not attend. "We will," said Mr. Healey. It rose 6.5%.'
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == split_sentences(text)
    assert split_sentences(text) == ['U.S. Defense Secretary Pete Hegseth did not attend.',
                                     '"We will," said Mr. Healey.', 'It rose 6.5%.']


# --- hostile text: every chunk bounded, every pass linear (issue 14) -----------------------------
from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from index.chunk import chunk_spans  # noqa: E402
from index.load import load_text  # noqa: E402
from index.models import Article  # noqa: E402
from index.tokens import count_tokens  # noqa: E402

CRAFTED = {  # each of these took seconds to hours before (quadratic regexes) or made unbounded chunks
    "trailers.txt": "Title\n\nBody text here.\n\n" + "Related\n\n" * 20_000 + "A long closing paragraph " * 30,
    "privacy.txt": "Title\n\nBody text here.\n\n" + "privacy policy " * 15_000 + "\n",
    "brackets.md": "# Title\n\nBody " + "[" * 200_000,
    "dots.txt": "Title\n\nBody " + "." * 200_000,
    "spaces.txt": "Title\n" + "\u2003" * 200_000 + "\n\nBody text.",
    "chinese.txt": "標題\n\n" + "中文新聞內容，沒有空格" * 20_000,
    "japanese.txt": "見出し\n\n" + "日本語の記事です。" * 20_000,
    "base64.txt": "Title\n\nAn article with an attachment: " + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" * 2_000 + " and more.",
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_inputs_load_with_bounded_chunks(name):
    text = CRAFTED[name]
    items = list(load_text(text, name, "." + name.rsplit(".", 1)[1]))
    for item in items:
        if isinstance(item, Article):
            spans = chunk_spans(item.text, 110, 25)
            assert spans and all(count_tokens(item.text[a:b]) <= 110 for a, b, _ in spans), name
            assert spans[-1][1] >= len(item.text.rstrip()) - 1  # nothing dropped at the end


def test_cjk_full_stops_end_sentences():
    text = "東京で会議が開かれた。首相が出席した。"
    assert split_sentences(text) == ["東京で会議が開かれた。", "首相が出席した。"]


@pytest.mark.parametrize("suffix", [".txt", ".md", ".json", ".jsonl"])
@hsettings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=3000))
def test_any_text_gives_an_article_with_bounded_chunks_or_a_reported_error(suffix, text):
    for item in load_text(text, "fuzz" + suffix, suffix):
        if isinstance(item, Article):
            for a, b, n in chunk_spans(item.text, 40, 10):
                assert 0 <= a < b <= len(item.text) and count_tokens(item.text[a:b]) <= 40
        else:
            assert item.reason and item.where.startswith("fuzz" + suffix)
