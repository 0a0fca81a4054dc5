"""packaging/windows/dictate.iss (Inno Setup) against the code it must agree with, and no UPX in
any build: checked on Linux because iscc does not run here (fast tier)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dictate_app import __version__, paths
from dictate_app.store import autostart, model_store

REPO = Path(__file__).resolve().parents[2]
ISS = (REPO / "packaging" / "windows" / "dictate.iss").read_text(encoding="utf-8")
SPEC = REPO / "packaging" / "dictate.spec"
# Inno's AppId ties upgrades and the uninstaller to earlier installs: it must never change.
APP_ID = "{{6F1C2B7A-3D4E-4B8F-9A61-5C2D7E8F9012}"


def define(name: str) -> str:
    return re.search(rf'^\s*#define {name} "(.*)"$', ISS, re.MULTILINE).group(1)


def setup(key: str) -> str:
    return re.search(rf"^{key}=(.*)$", ISS, re.MULTILINE).group(1)


def _spec_calls(name: str) -> list[ast.Call]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == name]


def test_version_and_app_id():
    assert define("AppVersion") == __version__, "dictate.iss's default AppVersion is not dictate_app.__version__"
    assert setup("AppId") == APP_ID


def test_the_start_at_sign_in_task_writes_the_apps_own_run_value():
    """One switch: the installer's task and the app's "Start at login" setting (store/autostart.py)
    write the same HKCU Run value, and the uninstaller removes it either way."""
    assert define("RunValue") == autostart.APP_ID
    registry = re.search(r"^Root: HKCU; Subkey: \"([^\"]+)\"; .*ValueName: \"\{#RunValue\}\"; "
                         r"ValueData: \"\"\"\{app\}\\\{#AppExe\}\"\"\"; Flags: uninsdeletevalue; Tasks: autostart$",
                         ISS, re.MULTILINE)
    assert registry and registry.group(1) == autostart.RUN_KEY
    assert f'delete ""HKCU\\{autostart.RUN_KEY}"" /v ""{{#RunValue}}"" /f' in ISS


def test_the_bundle_and_both_executables_are_the_specs():
    """BundleDir is where build.sh puts the spec's COLLECT (dist/<flavour>/<name>); the two
    executables are the spec's EXE names (the windowed tray app and the console CLI)."""
    assert '#define BundleDir "..\\..\\dist\\" + Flavour + "\\dictate"' in ISS
    collect_names = [kw.value.value for call in _spec_calls("COLLECT") for kw in call.keywords if kw.arg == "name"]
    assert collect_names == ["dictate"]
    exe_names = {kw.value.value for call in _spec_calls("EXE") for kw in call.keywords if kw.arg == "name"}
    assert exe_names == {define("AppExe").removesuffix(".exe"), define("CliExe").removesuffix(".exe")}
    assert '--distpath "dist/$flavour"' in (REPO / "packaging" / "build.sh").read_text()
    assert 'Source: "{#BundleDir}\\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs' in ISS
    assert "#error" in ISS and 'FileExists(SourcePath + BundleDir + "\\" + AppExe)' in ISS \
        and 'FileExists(SourcePath + BundleDir + "\\" + CliExe)' in ISS


def test_start_menu_entries():
    assert 'Name: "{group}\\{#AppName}"; Filename: "{app}\\{#AppExe}"' in ISS
    assert 'Name: "{group}\\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"' in ISS


def test_the_uninstaller_deletes_user_data_only_when_asked():
    """History, settings and models are in %LOCALAPPDATA%\\dictate-app on Windows (platformdirs'
    user_data_dir with appauthor=False; the config dir is the same folder): DelTree runs only
    after a Yes to a question whose default is No, and never in a silent uninstall."""
    assert define("DataDirName") == paths.APP_NAME == "dictate-app"
    assert "platformdirs.user_data_dir(APP_NAME, appauthor=False)" in Path(paths.__file__).read_text()
    assert model_store.store_dir().parents[1] == paths.data_dir()  # the models live in that folder too
    code = ISS.split("[Code]", 1)[1]
    assert "ExpandConstant('{localappdata}\\{#DataDirName}')" in code
    assert "CurUninstallStep = usPostUninstall" in code
    silent, asked = code.index("if UninstallSilent() then"), code.index("MB_YESNO or MB_DEFBUTTON2) = IDYES then")
    assert silent < asked < code.index("DelTree(UserDataDir(), True, True, True)")
    assert code.count("DelTree(") == 1


def test_no_upx_anywhere():
    """UPX-packed executables trip antivirus heuristics (Buzz #699/#1010, CapsWriter #21): every EXE
    and COLLECT of the spec says upx=False, and no build script or installer mentions UPX otherwise."""
    calls = _spec_calls("EXE") + _spec_calls("COLLECT")
    assert len(calls) >= 3
    for call in calls:
        upx = [kw.value for kw in call.keywords if kw.arg == "upx"]
        assert len(upx) == 1 and isinstance(upx[0], ast.Constant) and upx[0].value is False, ast.unparse(call)
    for script in [*(REPO / "packaging").rglob("*.sh"), REPO / "packaging" / "windows" / "dictate.iss"]:
        text = script.read_text(encoding="utf-8").lower()
        assert "--upx-dir" not in text and "upx=true" not in text, script


def test_every_executable_runs_python_in_utf8_mode():
    """Without it the frozen CLI on Windows writes piped output in cp1252 and a Chinese transcript
    raises UnicodeEncodeError (PyInstaller ignores PYTHONUTF8 in frozen apps)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    options = next(n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                   and getattr(n.targets[0], "id", None) == "PYTHON_OPTIONS")
    assert ast.literal_eval(options) == [("X utf8_mode=1", None, "OPTION")]
    calls = _spec_calls("EXE")
    assert len(calls) == 2 and all(getattr(call.args[2], "id", None) == "PYTHON_OPTIONS" for call in calls)
