import json
from pathlib import Path

from index.load import load_paths
from index.models import Article, LoadError


def _load(*paths, max_bytes=5_000_000):
    return list(load_paths([str(p) for p in paths], max_bytes))


def test_demo_corpus_loads_every_format(demo_dir):
    items = _load(demo_dir)
    errors = [i for i in items if isinstance(i, LoadError)]
    assert not errors, errors
    arts = [i for i in items if isinstance(i, Article)]
    assert len(arts) >= 12
    suffixes = {a.path.split(":")[0].rsplit(".", 1)[-1] for a in arts}
    assert {"txt", "md", "html", "json", "jsonl"} <= suffixes
    assert len({a.source for a in arts}) >= 5
    for a in arts:
        assert a.title and a.text and a.published, a.id
        for junk in ("Popular posts", "Share this", "Subscribe", "cookies", "Related", "Advertisement"):
            assert junk not in a.text, (junk, a.id)


def test_html_metadata_extracted(demo_dir):
    (art,) = _load(demo_dir / "northern_ledger_dam.html")
    assert art.title.startswith("Kestrel Dam: thousands leave Ashford Vale")
    assert art.published == "2026-03-14"
    assert art.author == "Tom Adeyemi"
    assert art.url == "https://northernledger.example/news/kestrel-dam-evacuation"
    assert "Around 2,100 people" in art.text and "Most read" not in art.text
    assert "Celebrity chef" not in art.text


def test_txt_byline_becomes_metadata(demo_dir):
    (art,) = _load(demo_dir / "valley_courier_dam_spillway.txt")
    assert art.source == "Valley Courier" and art.author == "Helen Marsh"
    assert art.published == "2026-03-14"
    assert not art.text.startswith("By Helen")
    assert "Ashford schools to close early" not in art.text


def test_markdown_front_matter(demo_dir):
    (art,) = _load(demo_dir / "coastline_post_rail_strike.md")
    assert art.source == "Coastline Post" and art.published == "2026-06-08"
    assert art.metadata["tags"] == ["transport", "strikes"]
    assert "Ferry fares" not in art.text and not art.text.startswith("#")


def test_bad_inputs_are_reported_by_name(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("   \n\n  ")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 news\n\nThe caf\xe9 opened.".encode("latin-1"))
    (tmp_path / "huge.txt").write_text("Title\n\n" + "word " * 300)
    (tmp_path / "broken.json").write_text('{"title": "x", "text": ')
    (tmp_path / "notext.json").write_text(json.dumps({"title": "no body"}))
    (tmp_path / "only-furniture.md").write_text("# Title\n\nComments\n\nPopular posts from this blog\n")
    (tmp_path / "bad.jsonl").write_text('{"title": "ok", "text": "Fine article text."}\n{not json\n'
                                        '[1, 2]\n{"title": "t", "text": 42}\n')
    (tmp_path / "frontmatter.md").write_text("---\ntitle: [unclosed\n---\n\nBody.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    items = _load(tmp_path, max_bytes=1000)
    errors = {e.where.replace(str(tmp_path) + "/", ""): e.reason for e in items if isinstance(e, LoadError)}
    assert errors["empty.txt"] == "empty file"
    assert "whitespace" in errors["blank.txt"]
    assert "binary" in errors["binary.txt"]
    assert "not valid UTF-8" in errors["latin1.txt"] and "0xe9" in errors["latin1.txt"]
    assert "over the" in errors["huge.txt"] and "limit" in errors["huge.txt"]
    assert "malformed JSON" in errors["broken.json"]
    assert "no article text" in errors["notext.json"]
    assert "boilerplate" in errors["only-furniture.md"]
    assert "malformed JSON line" in errors["bad.jsonl:2"]
    assert "expected a JSON object" in errors["bad.jsonl:3"]
    assert "must be a string" in errors["bad.jsonl:4"]
    assert "front matter" in errors["frontmatter.md"]
    assert "image.png" not in errors  # unsupported files inside folders are skipped
    oks = [i for i in items if isinstance(i, Article)]
    assert [a.title for a in oks] == ["ok"]


def test_explicit_unsupported_file_and_missing_path(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    items = _load(tmp_path / "a.pdf", tmp_path / "missing.txt")
    reasons = [i.reason for i in items]
    assert "unsupported file type '.pdf'" in reasons[0]
    assert reasons[1] == "no such file or folder"


def test_symlinks_are_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret\n\nThis is outside the folder.")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "link.txt").symlink_to(outside)
    items = _load(folder)
    assert len(items) == 1 and isinstance(items[0], LoadError) and "symbolic" in items[0].reason


def test_ids_are_deterministic_and_given_ids_validated(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "../../etc/passwd", "text": "x y z"}\n{"url": "https://e.example/a", "text": "Body."}\n')
    first, second = _load(f)
    assert isinstance(first, LoadError) and "'id'" in first.reason
    again = _load(f)[1]
    assert second.id == again.id and len(second.id) == 16


def test_hostile_structures_are_reported_and_never_stop_the_batch(tmp_path):
    """Issue 14: each of these escaped the loader as a raw exception and stopped `ingest`."""
    (tmp_path / "bad_day.md").write_text("---\ntitle: Leap\ndate: 2026-02-30\n---\n\nThe text of the article.")
    (tmp_path / "bad_month.md").write_text("---\ntitle: Month\ndate: 2026-13-01\n---\n\nThe text of the article.")
    (tmp_path / "deep.json").write_text('{"title": "t", "text": "x", "meta": ' + "[" * 5000 + "]" * 5000 + "}")
    (tmp_path / "bigint.json").write_text('{"title": "t", "text": "x", "n": ' + "9" * 5000 + "}")
    (tmp_path / "deep.jsonl").write_text('{"title": "ok", "text": "Fine article text."}\n'
                                         + "[" * 5000 + "]" * 5000 + "\n")
    laughs = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
             "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n\nBody text."
    (tmp_path / "laughs.md").write_text(laughs)
    (tmp_path / "deep.md").write_text("---\nx: " + "[" * 3000 + "]" * 3000 + "\n---\n\nBody text.")
    (tmp_path / "good.txt").write_text("A good article\n\nIt is still ingested.")
    items = _load(tmp_path)
    errors = {e.where.replace(str(tmp_path) + "/", ""): e.reason for e in items if isinstance(e, LoadError)}
    arts = {Path(a.path).name.split(":")[0]: a for a in items if isinstance(a, Article)}
    for name in ("bad_day.md", "bad_month.md"):  # a wrong date is not a reason to lose the article
        assert arts[name].published is None and arts[name].metadata["published_raw"] in ("2026-02-30", "2026-13-01")
    assert "nested" in errors["deep.json"] and "digits" in errors["bigint.json"]
    assert "nested" in errors["deep.jsonl:2"] and "deep.jsonl" in arts
    assert "aliases" in errors["laughs.md"] and "nested" in errors["deep.md"]
    assert "good.txt" in arts


def test_no_file_is_reached_through_a_linked_folder(tmp_path, monkeypatch):
    """Issue 14: `feeds/linked_dir/private.txt` and a `**` glob were ingested through a symlinked
    folder although symlinks are refused."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "secret.txt").write_text("Secret\n\nNot meant for the index.")
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "ok.txt").write_text("Fine\n\nA real feed article.")
    (feeds / "linked_dir").symlink_to(private, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for given in (["feeds/linked_dir/secret.txt"], ["feeds/**/*.txt"], ["feeds"]):
        items = list(load_paths(given, 100_000))
        arts = [i for i in items if isinstance(i, Article)]
        assert all("Secret" not in a.title for a in arts), (given, [a.title for a in arts])
        if given != ["feeds"]:  # a folder walk skips linked folders; a path or glob names them: say so
            assert any(isinstance(i, LoadError) and "symbolic" in i.reason for i in items), given
    assert [a.title for a in load_paths(["feeds/**/*.txt"], 100_000) if isinstance(a, Article)] == ["Fine"]
