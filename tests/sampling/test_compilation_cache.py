"""The persistent compilation cache, across real processes: on by default in
the per-user cache folder, reused by the next process, a corrupt entry
compiled again with the same samples, and the off switch."""

import glob
import hashlib
import json
import os
import subprocess
import sys

import pytest

SAMPLE = """
import json, os, keras, pixeldist, tensorflow as tf
for i in range(int(os.environ.get("OTHER_FUNCTIONS", "0"))):  # traced before
    tf.function(lambda x: x + i)(tf.constant(1.0))
keras.utils.set_random_seed(0)
dist = pixeldist.PixelCNN((3, 3, 1), high=3, num_layers=1, num_filters=4)
images = dist.sample(4, seed=7).numpy().tolist()
pixeldist.sampling.wait_for_compilations()  # the XLA loop, in the background
generator = dist._generator
functions = (generator._prepare, generator._fast_plain, generator._fast)
traces = sum(f.experimental_get_tracing_count() for f in functions)
print(json.dumps({"images": images, "traces": traces}))
"""


def _sample(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELDIST_")}
    env.pop("TF_XLA_FLAGS", None)
    env.update(PIXELDIST_JIT_COMPILE="1", TF_CPP_MIN_LOG_LEVEL="3", **variables)
    result = subprocess.run(
        [sys.executable, "-c", SAMPLE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout.strip().splitlines()[-1])
    return output["images"], output["traces"]


def _entries(folder):
    return sorted(glob.glob(os.path.join(folder, "pixeldist", "xla", "*", "*.pb")))


def _graphs(folder):
    return sorted(glob.glob(os.path.join(folder, "pixeldist", "graphs", "*.pb")))


def _corrupt(path, keep_checksum):
    data = bytearray(open(path, "rb").read())
    for index in range(len(data) // 4, len(data), 997):
        data[index] ^= 0x5A
    with open(path, "wb") as file:
        file.write(data)
    if keep_checksum:  # a corruption that the checksum does not catch
        with open(path + ".sha256", "w") as file:
            file.write(hashlib.sha256(data).hexdigest())


def test_the_cache_is_reused_and_repaired_across_processes(tmp_path):
    home = str(tmp_path / "cache-home")
    images, traces = _sample(tmp_path, XDG_CACHE_HOME=home)
    assert traces == 3  # the constants, the plain loop and the compiled one
    (entry,) = _entries(home)
    graphs = _graphs(home)
    assert len(graphs) == 3
    written = os.stat(entry).st_mtime_ns
    assert (
        open(entry + ".sha256").read().split()[0]
        == hashlib.sha256(open(entry, "rb").read()).hexdigest()
    )

    # The next process loads the traced graph and the compiled entry: it
    # traces nothing, writes nothing, and samples alike, also after tracing
    # other functions first (TensorFlow numbers every function a process
    # traces; the sampler's names do not depend on it).
    for other_functions in ("0", "3"):
        assert _sample(
            tmp_path, XDG_CACHE_HOME=home, OTHER_FUNCTIONS=other_functions
        ) == (images, 0)
        assert _entries(home) == [entry]
        assert os.stat(entry).st_mtime_ns == written
        assert _graphs(home) == graphs

    # A corrupt graph is traced again (and rewritten), with the same samples:
    # the constants' and the compiled loop's (the plain loop is not needed
    # once the program is compiled).
    retraced = []
    for graph in graphs:
        _corrupt(graph, keep_checksum=False)
        sampled, traces = _sample(tmp_path, XDG_CACHE_HOME=home)
        assert sampled == images
        retraced.append(traces)
    assert sorted(retraced) == [0, 1, 1]
    assert _sample(tmp_path, XDG_CACHE_HOME=home) == (images, 0)

    for keep_checksum in (False, True):
        _corrupt(entry, keep_checksum)
        assert _sample(tmp_path, XDG_CACHE_HOME=home)[0] == images
        (entry,) = _entries(home)  # compiled and written again
        assert (
            open(entry + ".sha256").read().split()[0]
            == hashlib.sha256(open(entry, "rb").read()).hexdigest()
        )


def test_the_cache_moves_or_turns_off(tmp_path):
    home = str(tmp_path / "cache-home")
    moved = str(tmp_path / "elsewhere")
    images = _sample(tmp_path, XDG_CACHE_HOME=home, PIXELDIST_COMPILATION_CACHE=moved)
    assert len(glob.glob(os.path.join(moved, "xla", "*", "*.pb"))) == 1
    assert len(glob.glob(os.path.join(moved, "graphs", "*.pb"))) == 3
    assert (
        _sample(tmp_path, XDG_CACHE_HOME=home, PIXELDIST_COMPILATION_CACHE="0")
        == images
    )
    assert not os.path.exists(os.path.join(home, "pixeldist"))


def test_a_child_process_decides_by_its_own_setting(tmp_path):
    """A process started by one that imported pixeldist inherits its
    `TF_XLA_FLAGS`; its own `PIXELDIST_COMPILATION_CACHE` still decides."""
    parent, child = str(tmp_path / "parent"), str(tmp_path / "child")
    flag = f"--tf_xla_persistent_cache_directory={parent}"
    _sample(
        tmp_path,
        TF_XLA_FLAGS=flag,
        PIXELDIST_XLA_CACHE_FLAG=flag,
        PIXELDIST_COMPILATION_CACHE=child,
    )
    assert len(glob.glob(os.path.join(child, "xla", "*", "*.pb"))) == 1
    assert not os.path.exists(parent)


# -- Checks and eviction, in this process --------------------------------------


def _cache_in(tmp_path, monkeypatch):
    """Points the cache module at an empty cache under `tmp_path`; returns
    the folders of its compiled programs and of its graphs."""
    from pixeldist.sampling import compilation_cache

    programs = tmp_path / "pixeldist" / "xla" / "tf-machine"
    graphs = tmp_path / "pixeldist" / "graphs"
    programs.mkdir(parents=True)
    graphs.mkdir()
    monkeypatch.setattr(compilation_cache, "_directory", str(programs))
    monkeypatch.setattr(compilation_cache, "_checked", False)
    monkeypatch.setattr(compilation_cache, "_sealed", {})
    monkeypatch.delenv(compilation_cache.SIZE_VARIABLE, raising=False)
    return programs, graphs


def _write(path, size, last_use):
    """A file of `size` bytes last used (accessed and modified) at `last_use` s."""
    path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
    os.utime(path, ns=(last_use * 10**9, last_use * 10**9))


def test_a_sealed_entry_is_read_again_only_when_it_changed(tmp_path, monkeypatch):
    from pixeldist.sampling import compilation_cache

    programs, _ = _cache_in(tmp_path, monkeypatch)
    entry = programs / "a.pb"
    _write(entry, 4096, 1_000_000)
    compilation_cache.seal()
    digest, size, _ = (programs / "a.pb.sha256").read_text().split()
    assert (digest, size) == (hashlib.sha256(entry.read_bytes()).hexdigest(), "4096")

    reads = []
    digest_of = compilation_cache._digest
    monkeypatch.setattr(
        compilation_cache, "_digest", lambda p: reads.append(p) or digest_of(p)
    )
    compilation_cache.check_once()
    assert reads == [] and entry.exists()  # unchanged: not read

    # Same size, other bytes, other time: read, found corrupt, deleted.
    data = bytearray(entry.read_bytes())
    data[100] ^= 0xFF
    entry.write_bytes(bytes(data))
    monkeypatch.setattr(compilation_cache, "_checked", False)
    compilation_cache.check_once()
    assert reads == [str(entry)]
    assert not entry.exists() and not (programs / "a.pb.sha256").exists()

    # A checksum file of the older format (the digest alone) is read once,
    # then rewritten with the size and time.
    _write(entry, 512, 2_000_000)
    (programs / "a.pb.sha256").write_text(
        hashlib.sha256(entry.read_bytes()).hexdigest() + "\n"
    )
    for expected_reads in (2, 2):
        monkeypatch.setattr(compilation_cache, "_checked", False)
        compilation_cache.check_once()
        assert len(reads) == expected_reads and entry.exists()
    assert len((programs / "a.pb.sha256").read_text().split()) == 3


def test_an_entry_sealed_while_it_was_written_is_sealed_again(tmp_path, monkeypatch):
    """TensorFlow writes an entry in place, and a background compilation
    may write while another thread seals: a digest of the partial entry is
    replaced once the entry is complete, so the next process keeps it."""
    from pixeldist.sampling import compilation_cache

    programs, _ = _cache_in(tmp_path, monkeypatch)
    entry = programs / "entry.pb"
    entry.write_bytes(b"partial")
    compilation_cache.seal()  # sealed while still being written
    with open(entry, "ab") as file:
        file.write(b" and the rest")
    compilation_cache.seal()  # the background thread's seal, after its write
    recorded = open(f"{entry}.sha256").read().split()
    assert recorded[0] == hashlib.sha256(entry.read_bytes()).hexdigest()
    monkeypatch.setattr(compilation_cache, "_checked", False)
    monkeypatch.setattr(compilation_cache, "_sealed", {})
    compilation_cache.check_once()  # the next process
    assert entry.exists()


def test_the_least_recently_used_programs_and_graphs_go_first(tmp_path, monkeypatch):
    from pixeldist.sampling import compilation_cache

    programs, graphs = _cache_in(tmp_path, monkeypatch)
    megabyte = 2**20
    for name, last_use in (("old", 100), ("middle", 300), ("new", 500)):
        entry = programs / f"{name}.pb"
        _write(entry, megabyte, last_use)
        # Sealed without reading the entry (a read is a use).
        digest = hashlib.sha256(bytes(range(256)) * (megabyte // 256)).hexdigest()
        stamp = compilation_cache._stamp(str(entry))
        compilation_cache._write_checksum(str(entry), digest, stamp)
    # A program of another TensorFlow version (another environment), the
    # most recently used.
    (programs.parent / "tf-other").mkdir()
    _write(programs.parent / "tf-other" / "other.pb", megabyte, 600)
    for name, last_use in (("g-old", 200), ("g-new", 400)):
        _write(graphs / f"{name}.pb", megabyte // 2, last_use)
        _write(graphs / f"{name}.json", 100, last_use)
    compilation_cache.touch(str(graphs / "g-old"))  # loaded now: the newest

    monkeypatch.setenv(compilation_cache.SIZE_VARIABLE, "2")
    compilation_cache.check_once()

    # 5 MB and a few hundred bytes in all, 2 MB allowed: the programs used
    # at 100 and 300 leave with their checksums, then the graph used at 400
    # with its signature, then the program used at 500; the graph used at
    # 200 was loaded now.
    remaining = sorted(
        p.name
        for folder in (*programs.parent.iterdir(), graphs)
        for p in folder.iterdir()
    )
    assert remaining == ["g-old.json", "g-old.pb", "other.pb"]


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "lots"])
def test_a_bad_size_cap_is_named(tmp_path, monkeypatch, value):
    from pixeldist.sampling import compilation_cache

    programs, _ = _cache_in(tmp_path, monkeypatch)
    monkeypatch.setenv(compilation_cache.SIZE_VARIABLE, value)
    with pytest.raises(ValueError, match="PIXELDIST_COMPILATION_CACHE_MB"):
        compilation_cache.check_once()
