from bitget_desktop.settings import AccountInfo, Settings, SettingsStore


def test_round_trip(tmp_path):
    store = SettingsStore(tmp_path)
    s = Settings()
    s.upsert_account(AccountInfo("main", "live", "bg_abc…", "classic"))
    s.active_account = "main"
    s.last_symbols = ["SPOT:ETHUSDT"]
    store.save(s)
    loaded = store.load()
    assert loaded.accounts == [AccountInfo("main", "live", "bg_abc…", "classic")]
    assert loaded.active_account == "main" and loaded.last_symbols == ["SPOT:ETHUSDT"]
    loaded.remove_account("main")
    assert loaded.active_account is None and loaded.accounts == []


def test_damaged_file_falls_back(tmp_path):
    store = SettingsStore(tmp_path)
    store.path.write_text("{not json")
    assert store.load() == Settings()
    assert (tmp_path / "settings.damaged.json").exists()
