import sys
from pathlib import Path
sys.path.insert(0, "/work/main")
from revops_cli.project import open_duckdb
from revops_cli.errors import DatabaseError
for p, ro in [("/tmp/rv/lk.duckdb", True), ("/tmp/rv/lk.duckdb", False)]:
    try: open_duckdb(Path(p), ro); print("opened")
    except DatabaseError as e: print("DatabaseError:", e)
Path("/tmp/rv/garbage.duckdb").write_bytes(b"x"*10000)
try: open_duckdb(Path("/tmp/rv/garbage.duckdb"), True)
except DatabaseError as e: print("DatabaseError:", e)
