import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import sqlite3
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE users (name TEXT, token TEXT)")
DB.execute("INSERT INTO users VALUES ('alice', 'x'), ('bob', 'y')")
DB.execute("CREATE TABLE vault (secret TEXT)")
DB.execute("INSERT INTO vault VALUES (?)", (FLAG,))

def app(req):
    if req.path != "/exists":
        return 200, "user lookup: /exists?name=alice", {}
    try:
        row = DB.execute("SELECT 1 FROM users WHERE name = '" + req.arg("name") + "'").fetchone()
    except sqlite3.Error:
        return 200, "no", {}
    return 200, "yes" if row else "no", {}

rangekit.serve_http(8191, app)
