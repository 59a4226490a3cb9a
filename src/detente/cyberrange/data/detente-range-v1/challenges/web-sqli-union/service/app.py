import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import sqlite3
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE products (id INTEGER, name TEXT, price TEXT)")
for i, name in enumerate(["lamp", "chair", "desk", "shelf"], 1):
    DB.execute("INSERT INTO products VALUES (?, ?, ?)", (i, name, str(10 * i)))
DB.execute("CREATE TABLE secret_22c7 (k TEXT, v TEXT)")
DB.execute("INSERT INTO secret_22c7 VALUES ('flag', ?)", (FLAG,))

def app(req):
    if req.path != "/product":
        return 200, "catalogue: /product?id=1", {}
    try:
        rows = DB.execute("SELECT name, price FROM products WHERE id = " + req.arg("id", "1")).fetchall()
    except sqlite3.Error as exc:
        return 500, "database error: " + str(exc), {}
    return 200, "\n".join(f"{n}: {p}" for n, p in rows), {}

rangekit.serve_http(8693, app)
