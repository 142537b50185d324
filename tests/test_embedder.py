"""The local embedder: the per-channel int8 file is built once from the packaged fp32 weights
(no torch, no download), checked against the fp32 graph, and the shipped file is the fallback."""
from pathlib import Path

import numpy as np

from index import minilm_build
from index.embed import MiniLMEmbeddings, minilm_files

SEEDS = Path(__file__).parent / "data" / "seeds"


def _seed_sentences() -> list[str]:
    text = " ".join(p.read_text() for p in sorted(SEEDS.glob("*.txt")))
    return [s.strip() for s in text.split(". ") if len(s.strip()) > 30][:40]


def test_the_built_int8_model_agrees_with_fp32_and_the_shipped_file(tmp_path):
    weights = minilm_files()["weights"]
    assert weights is not None
    fp32 = tmp_path / "fp32.onnx"
    import onnx

    onnx.save(minilm_build.build_fp32(minilm_build.read_safetensors(weights)), str(fp32))
    built, why = minilm_build.ensure(weights, tmp_path / "cache")
    assert why is None and built == tmp_path / "cache" / minilm_build.FILE_NAME
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [minilm_build.FILE_NAME]  # no temp files left
    texts = _seed_sentences() + ["Who is John Healey?", "military aid for Ukraine"]
    vectors = {name: np.asarray(MiniLMEmbeddings(model=path).embed_documents(texts))
               for name, path in (("fp32", fp32), ("int8", built), ("shipped", None))}
    # The fp32 graph written from the weights is the model the shipped file was quantised from.
    assert (vectors["fp32"] * vectors["shipped"]).sum(axis=1).min() > 0.995
    assert (vectors["int8"] * vectors["fp32"]).sum(axis=1).min() >= 0.985
    assert (vectors["int8"] * vectors["fp32"]).sum(axis=1).mean() >= 0.99
    # A second call reuses the file.
    stamp = built.stat().st_mtime_ns
    assert minilm_build.ensure(weights, tmp_path / "cache") == (built, None)
    assert built.stat().st_mtime_ns == stamp


def test_without_weights_or_a_writable_cache_the_shipped_file_is_used(tmp_path):
    assert minilm_build.ensure(None, tmp_path)[0] is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    path, why = minilm_build.ensure(minilm_files()["weights"], blocked / "cache")
    assert path is None and "cannot build" in why
