/* Per-id operation locks (one runtime call at a time per sandbox or snapshot id) and a state
 * change generation that waiters block on (no polling). */
#ifndef SANDBOXD_LOCKS_H
#define SANDBOXD_LOCKS_H
#include <stdint.h>

struct id_lock;

/* Locks id (blocking). Never returns NULL. */
struct id_lock *id_lock(const char *id);
/* Locks id if nobody holds it, else NULL. */
struct id_lock *id_trylock(const char *id);
/* Unlocks; accepts NULL. */
void id_unlock(struct id_lock *l);

/* Wakes every state_wait()er. Call after a sandbox changed state. */
void state_changed(void);
uint64_t state_generation(void);
/* Blocks until the generation differs from gen or the wall clock reaches deadline_ms. */
void state_wait(uint64_t gen, int64_t deadline_ms);
#endif
