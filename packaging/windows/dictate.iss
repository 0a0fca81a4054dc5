; Inno Setup 6 script for Dictate on Windows (x64). Not built in CI (no Windows there): reviewed
; against the Inno Setup 6 documentation (see packaging/README.md).
;
; Build, on Windows, from the repository root:
;   1. the bundle:    py -3.11 -m venv build\venv-cpu
;                     build\venv-cpu\Scripts\pip install --no-deps -r requirements\cpu.txt -r requirements\packaging.txt
;                     build\venv-cpu\Scripts\python -m PyInstaller --noconfirm --distpath dist\cpu packaging\dictate.spec -- --flavour cpu
;   2. the installer: iscc /DFlavour=cpu packaging\windows\dictate.iss
;      -> dist\dictate-<version>-windows-x64-cpu-setup.exe
; (/DFlavour=full with the full flavour's bundle in dist\full\dictate.)
;
; Per-user install by default (no administrator needed; the user may choose all users in a
; dialog): the program goes to %LOCALAPPDATA%\Programs\Dictate, a Start menu entry, optionally a
; desktop icon and start at sign-in, and an uninstaller (Settings > Apps) that keeps the user's
; history, settings and downloaded model unless the user says to delete them too.
; Sign the bundle's executables before step 2 and the installer after it (packaging/README.md,
; "Signing on Windows"): unsigned builds are flagged by antivirus heuristics. No UPX: the spec
; sets upx=False everywhere (packed executables are a classic false-positive trigger).

#ifndef Flavour
  #define Flavour "cpu"
#endif
; Keep in step with dictate_app/__init__.py, or pass /DAppVersion=x.y.z to iscc.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Dictate"
#define BundleDir "..\..\dist\" + Flavour + "\dictate"
; The windowed executable (tray app, no console); dictate-app.exe beside it is the CLI.
#define AppExe "Dictate.exe"
; The same Run value name as dictate_app/store/autostart.py (APP_ID), so the app's own
; "Start at login" setting and this installer's task are one switch.
#define RunValue "dictate-app"
; Where the app keeps history, settings.ini and downloaded models on Windows: platformdirs'
; user_data_dir("dictate-app", appauthor=False) = %LOCALAPPDATA%\dictate-app (dictate_app/paths.py,
; store/model_store.py; the config directory is the same folder on Windows).
#define DataDirName "dictate-app"
; The console executable beside it: the CLI (dictate-app transcribe, serve, doctor, ...).
#define CliExe "dictate-app.exe"

; A bundle without both executables must not become an installer (SourcePath: this script's folder).
#if !FileExists(SourcePath + BundleDir + "\" + AppExe) || !FileExists(SourcePath + BundleDir + "\" + CliExe)
  #error The bundle lacks Dictate.exe or dictate-app.exe: build it first (the commands at the top of this file)
#endif

[Setup]
; AppId identifies the installation for upgrades and uninstall: never change it. The leading
; "{{" is Inno's escape for a literal brace.
AppId={{6F1C2B7A-3D4E-4B8F-9A61-5C2D7E8F9012}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Dictate contributors
AppComments=Offline push-to-talk dictation with SenseVoice
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=dictate.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=dictate-{#AppVersion}-windows-x64-{#Flavour}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running Dictate (it holds files in {app}) before files are replaced or removed.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "autostart"; Description: "Start Dictate when I sign in to Windows"; GroupDescription: "Start-up:"; Flags: unchecked

[Files]
; The whole one-folder bundle: both executables and _internal\ (Python, Qt, the models' runtimes,
; dictate_app\data\ with the sounds and the VAD model). The speech model is not included: it is
; downloaded on first use (`dictate-app model download`).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Hold a key, speak, release: the words appear"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"

[Registry]
; Start at sign-in for this user (the Run key, like the app's own setting). Quoted because the
; path holds spaces; removed by the uninstaller.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "{#RunValue}"; ValueData: """{app}\{#AppExe}"""; Flags: uninsdeletevalue; Tasks: autostart

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; The app's own "Start at login" setting may have written the Run value without the installer's
; task; remove it either way (reg.exe exits 1 when there is none: harmless).
Filename: "{sys}\reg.exe"; Parameters: "delete ""HKCU\Software\Microsoft\Windows\CurrentVersion\Run"" /v ""{#RunValue}"" /f"; Flags: runhidden; RunOnceId: "RemoveAutostart"

[Code]
// The user's history, settings and downloaded model live outside {app}, in %LOCALAPPDATA%\{#DataDirName}:
// kept by the uninstaller unless the user answers Yes here (the default button is No). A silent
// uninstall (/SILENT, /VERYSILENT) keeps them without asking.
function UserDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\{#DataDirName}');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(UserDataDir()) then
  begin
    if UninstallSilent() then
      Log('Kept the user data in ' + UserDataDir())
    else if MsgBox('Also delete your Dictate history, settings and downloaded speech model?' + #13#10#13#10 +
                   UserDataDir() + #13#10#13#10 +
                   'Choose No to keep them for a later install.', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
    begin
      if not DelTree(UserDataDir(), True, True, True) then
        MsgBox('Some files in ' + UserDataDir() + ' could not be deleted (is Dictate still running?): delete the folder by hand.',
               mbError, MB_OK);
    end;
  end;
end;
