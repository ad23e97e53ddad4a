"""``zkproof groth16 verify``: exit 0 valid, 1 invalid, 2 malformed (one line naming file and
field, no traceback), 3 insecure key -- on the committed snarkjs vector and its mutations."""

from __future__ import annotations

import pytest

from tests.test_verify_support import PUBLIC, VK, vector_json, write_case
from zkproof.cli.main import main
from zkproof.field.fr import R
from zkproof.formats import snarkjs_json as sj


def _run(capsys, paths, *flags) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(["groth16", "verify", *map(str, paths), *flags])
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_cli_valid_and_invalid(tmp_path, capsys):
    code, out, _ = _run(capsys, write_case(tmp_path / "ok"))
    assert code == 0 and "OK" in out
    public = vector_json(PUBLIC)
    public[0] = str(int(public[0]) + 1)
    code, _, err = _run(capsys, write_case(tmp_path / "bad", public=public))
    assert code == 1 and "INVALID" in err


def test_cli_malformed_is_one_line(tmp_path, capsys):
    public = vector_json(PUBLIC)
    public[0] = str(int(public[0]) + R)
    paths = write_case(tmp_path, public=public)
    code, _, err = _run(capsys, paths)
    assert code == 2
    assert err == f"zkproof: {paths[1]}: public[0]: not reduced below r: got {public[0]}\n"


def test_cli_insecure_keys(tmp_path, capsys):
    vk = vector_json(VK)
    vk["vk_delta_2"] = vk["vk_gamma_2"]
    code, _, err = _run(capsys, write_case(tmp_path / "c1", vk=vk))
    assert code == 3 and "gamma == delta: insecure setup" in err and err.count("\n") == 1
    dev = vector_json(VK)
    dev[sj.DEV_MARKER_KEY] = sj.INSECURE_DEV_MARKER
    paths = write_case(tmp_path / "c6", vk=dev)
    code, _, err = _run(capsys, paths)
    assert code == 3 and sj.INSECURE_DEV_MARKER in err
    code, out, _ = _run(capsys, paths, "--allow-dev")
    assert code == 0 and "OK" in out


def test_progress_bar_on_a_terminal_only(monkeypatch):
    """``zkproof verify``'s bar: drawn on stderr per step when stderr is a terminal and the step
    has more than 8 items; nothing otherwise (pipes, CI logs, small bundles)."""
    import io

    from zkproof.cli.epoch_cmds import _ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, total, drawn in ((Tty(), 20, True), (Tty(), 8, False), (io.StringIO(), 20, False)):
        monkeypatch.setattr("sys.stderr", stream)
        with _ProgressBar() as bar:
            for step in ("checking points", "pairing"):
                for k in range(1, total + 1):
                    bar.update(step, k, total)
        out = stream.getvalue()
        assert ("batch proofs: pairing" in out and f"{total}/{total}" in out) is drawn, out
        assert ("batch proofs: checking points" in out) is drawn
