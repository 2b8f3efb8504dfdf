/* The expiry timer: one thread sleeping on a condition variable until the earliest expiresAt
 * in the store (no polling), then deleting every due sandbox through lc_expire(). */
#ifndef SANDBOXD_EXPIRY_H
#define SANDBOXD_EXPIRY_H

int expiry_start(void);
/* Wakes the timer to re-read the earliest deadline (after create, renew, delete). */
void expiry_kick(void);
void expiry_stop(void);
#endif
