"""Programs run on the sway bench beside the app: Qt clients (a target field, a popup-like window)
and another program's clipboard."""
