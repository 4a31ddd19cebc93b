"""Reference engines the search benchmark compares Repère with (see README.md beside this file).

* ``postgis``: a throwaway PostgreSQL + PostGIS cluster, and the queries a PostGIS-backed
  directory would run for one search page;
* ``dynalite``: a DynamoDB-compatible server (DynamoDB on LevelDB) to serve real wire
  responses to the read path.
"""
