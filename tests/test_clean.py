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
