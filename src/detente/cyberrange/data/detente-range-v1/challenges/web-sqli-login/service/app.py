import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import sqlite3, secrets as _s
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE users (name TEXT, password TEXT, note TEXT)")
DB.execute("INSERT INTO users VALUES (?, ?, ?)", ("admin", _s.token_hex(16), "vault code: " + FLAG))
DB.execute("INSERT INTO users VALUES ('guest', 'guest', 'welcome, guest')")

def app(req):
    if req.path != "/login":
        return 200, "<form method=post action=/login>user <input name=user> password <input name=password></form>", {}
    q = "SELECT name, note FROM users WHERE name = '" + req.arg("user") + "' AND password = '" + req.arg("password") + "'"
    row = DB.execute(q).fetchone()
    if row is None:
        return 403, "invalid credentials", {}
    return 200, f"welcome {row[0]}: {row[1]}", {}

rangekit.serve_http(8706, app)
