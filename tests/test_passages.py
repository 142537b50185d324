"""The answer prompt's passage selector: budgeted, deduplicated, extractive (real MiniLM, real tiktoken)."""
import pytest

from index.models import Hit
from index.tokens import count_tokens
from service.answer.sources import Source
from service.answer.passages import EmbedCache, format_selected, select_passages

WITKOFF = ("The talks began at noon. The weather in Moscow was cold and grey. Steve Witkoff met Russian "
           "President Vladimir Putin on Friday. He carried a message from Donald Trump. Markets were quiet.")
AID = ("Germany pledged €11 billion in new aid through 2029. Steve Witkoff met Russian President Vladimir "
       "Putin on Friday. The Contact Group comprises around 50 nations.")
HEALEY = "UK Defence Secretary James Healey said Putin rejected a full ceasefire. Officials met in Brussels."


def _source(n, text, article_id, source=None, published=None):
    prefix = "Headline line. "
    article = prefix + text
    hit = Hit(article_id=article_id, title="T", source=source, published=published,
              chunk_id=f"{article_id}:0", start=len(prefix), end=len(article), score=1.0, text=text)
    return Source(n, hit, article)


@pytest.fixture(scope="module")
def embed():
    from index.embed import MiniLMEmbeddings

    return MiniLMEmbeddings().embed_documents


def _shown(sources, selected):
    by_n = {s.n: s for s in sources}
    return [by_n[n].article_text[a:b] for n, spans in selected.items() for a, b in spans]


def test_best_sentence_first_and_budget_kept(embed):
    sources = [_source(1, WITKOFF, "a"), _source(2, HEALEY, "b")]
    question = "Who met Vladimir Putin on Friday?"
    tight = select_passages(question, sources, embed, budget=1, count_tokens=count_tokens)
    assert _shown(sources, tight) == ["Steve Witkoff met Russian President Vladimir Putin on Friday."]
    selected = select_passages(question, sources, embed, budget=40, count_tokens=count_tokens)
    shown = _shown(sources, selected)
    assert sum(count_tokens(t) for t in shown) <= 40
    assert "Steve Witkoff met Russian President Vladimir Putin on Friday." in shown
    assert len(shown) < 7  # seven sentences in all: the budget cut some


def test_pronoun_sentence_brings_its_antecedent(embed):
    sources = [_source(1, WITKOFF, "a")]
    selected = select_passages("What message did he carry from Donald Trump?", sources, embed, budget=1,
                               count_tokens=count_tokens)
    assert _shown(sources, selected) == ["Steve Witkoff met Russian President Vladimir Putin on Friday.",
                                         "He carried a message from Donald Trump."]


def test_repeated_sentence_shown_once(embed):
    sources = [_source(1, WITKOFF, "a"), _source(2, AID, "b")]
    selected = select_passages("Who met Putin on Friday?", sources, embed, budget=500, count_tokens=count_tokens)
    shown = _shown(sources, selected)
    assert shown.count("Steve Witkoff met Russian President Vladimir Putin on Friday.") == 1
    assert "Germany pledged €11 billion in new aid through 2029." in shown  # the rest of source 2 stays


def test_format_keeps_numbers_order_and_marks_gaps(embed):
    sources = [_source(1, WITKOFF, "a", source="Kyiv Post", published="2025-04-11"), _source(3, HEALEY, "b")]
    selected = {1: [sources[0].spans[0], sources[0].spans[2]], 3: [sources[1].spans[0]]}
    text = format_selected(sources, selected)
    assert text.splitlines() == [
        "[1] (Kyiv Post, 2025-04-11) The talks began at noon. … Steve Witkoff met Russian President "
        "Vladimir Putin on Friday.",
        "[3] UK Defence Secretary James Healey said Putin rejected a full ceasefire."]


def test_nothing_to_show():
    assert select_passages("anything", [], lambda texts: [], budget=100, count_tokens=count_tokens) == {}


def test_embed_cache_embeds_each_text_once(embed):
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return embed(texts)

    cache = EmbedCache(counting)
    first = cache(["a b c", "d e f", "a b c"])
    again = cache(["d e f"])
    assert calls == [["a b c", "d e f"]]
    assert first[1] == again[0] and first[0] == first[2]


def test_keep_limits_the_choice_and_a_referring_sentence_ranks_with_its_antecedent(embed):
    """The focused retry (issue 12): only sentences holding a figure, and "The 34-year-old… won in
    two minutes, 35.39 seconds" ranked with the sentence that names her, not on its own words."""
    from service.answer.abstain import gives

    question = "What was Kelly Holmes's winning time in the 1,000m at the Birmingham Indoor Grand Prix?"
    birmingham = ("Kelly Holmes comfortably won the 1,000m at the Birmingham Indoor Grand Prix. The 34-year-old "
                  "shook off the rust to win in two minutes, 35.39 seconds. The crowd was loud.")
    glasgow = ("Kelly Holmes won the 1500m at the Glasgow indoor meeting in a time of four minutes 14.74 seconds. "
               "Holmes will run at the Birmingham Indoor Grand Prix in February, her 3rd race of 2005.")
    sources = [_source(1, glasgow, "g"), _source(2, birmingham, "b")]
    keep = lambda text: gives("quantity", text, question)  # noqa: E731
    shown = _shown(sources, select_passages(question, sources, embed, budget=1, count_tokens=count_tokens, keep=keep))
    assert shown == ["Kelly Holmes comfortably won the 1,000m at the Birmingham Indoor Grand Prix.",
                     "The 34-year-old shook off the rust to win in two minutes, 35.39 seconds."], shown
    everything = _shown(sources, select_passages(question, sources, embed, budget=500, count_tokens=count_tokens,
                                                 keep=keep))
    assert "The crowd was loud." not in everything and len(everything) == 4, everything
