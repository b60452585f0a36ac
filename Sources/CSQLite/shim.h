#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro over a function-pointer cast, which Swift cannot import.
// "If the destructor argument is SQLITE_TRANSIENT, SQLite makes its own private copy of the
// data immediately, before the sqlite3_bind_*() routine returns." (sqlite.org/c3ref/bind_blob.html)
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }
