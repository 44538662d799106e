/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Counters are declared once, by the stage that counts them, as a list of
 * X(NAME, id, "exported_name", loss): the list gives the enum (SE_UC_NAME = id), the name on
 * the stats line and in OTLP, and whether it is a loss (reported under "dropped" and in
 * sockeye.dropped). Ids are one space over every stage, in the order of the stats line, and
 * append-only: an id is never reused or renumbered. sinks/counters.c gathers the lists.
 */
#ifndef SOCKEYE_COUNTER_H
#define SOCKEYE_COUNTER_H

/* Ids below this, over every stage's list. A new counter takes this id and raises it. */
#define SE_UC__COUNT 56

#define SE_COUNTER_ENUM(name, id, str, loss) SE_UC_##name = (id),
#define SE_COUNTER_CHECK(name, id, str, loss)                                                      \
	_Static_assert((id) < SE_UC__COUNT, "counter " str ": id not below SE_UC__COUNT");

#define SE_COUNTERS_DECLARE(tag, list)                                                             \
	enum tag { list(SE_COUNTER_ENUM) };                                                        \
	list(SE_COUNTER_CHECK)

#endif /* SOCKEYE_COUNTER_H */
