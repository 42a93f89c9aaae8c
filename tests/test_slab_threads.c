// SPDX-License-Identifier: MIT
/*
 * Real threads on the object allocators (SLUB and SLAB; built in the tsan
 * preset too): four pthreads, each bound to its own simulated CPU, kmalloc
 * and kfree random sizes (large kmallocs among them), allocate from and
 * free to one shared cache, and hand a share of their objects to the next
 * thread to free (remote frees: SLUB's slow path, SLAB's alien caches).
 * Every object carries a pattern of its owner, so two threads ever sharing
 * an object shows up as a corrupted pattern. Afterwards every structure
 * checks clean, no misuse was reported, and once the caches are shrunk the
 * page allocator is fully coalesced again.
 */
#include <pthread.h>
#include <string.h>

#include <kmm/kmm.h>

#include "test.h"

enum { THREADS = 4, STEPS = 6000, LIVE = 64, HANDOFF = 64 };

/* A mailbox per thread: objects another thread allocated, to be freed by
 * the mailbox's owner. */
struct mailbox {
	pthread_mutex_t lock;
	void *obj[HANDOFF];
	size_t size[HANDOFF];
	unsigned n;
};

struct shared {
	struct kmm *k;
	struct kmm_cache *cache;
	struct mailbox box[THREADS];
};

struct worker {
	struct shared *sh;
	unsigned cpu;
	uint64_t allocs, corrupt, failed, wrong_cpu, remote_frees;
};

#define CACHE_OBJ 200

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A pattern derived from the object's address: whoever frees it checks it. */
static void stamp(void *p, size_t n)
{
	unsigned char *b = p;
	unsigned char v = (unsigned char)((uintptr_t)p >> 4);
	size_t step = n > 64 ? n / 16 : 1;
	for (size_t i = 0; i < n; i += step)
		b[i] = (unsigned char)(v + i);
	b[n - 1] = (unsigned char)~v;
}

static bool stamped(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned char v = (unsigned char)((uintptr_t)p >> 4);
	size_t step = n > 64 ? n / 16 : 1;
	for (size_t i = 0; i < n - 1; i += step)
		if (b[i] != (unsigned char)(v + i))
			return false;
	return b[n - 1] == (unsigned char)~v;
}

static void release(struct worker *wk, void *p, size_t size)
{
	struct kmm *k = wk->sh->k;
	if (!stamped(p, size))
		wk->corrupt++;
	if (size == 0)
		kmm_cache_free(k, wk->sh->cache, p);
	else
		kmm_kfree(k, p);
}

static void drain_mailbox(struct worker *wk)
{
	struct mailbox *mb = &wk->sh->box[wk->cpu];
	void *obj[HANDOFF];
	size_t size[HANDOFF];
	unsigned n;
	pthread_mutex_lock(&mb->lock);
	n = mb->n;
	memcpy(obj, mb->obj, n * sizeof(obj[0]));
	memcpy(size, mb->size, n * sizeof(size[0]));
	mb->n = 0;
	pthread_mutex_unlock(&mb->lock);
	for (unsigned i = 0; i < n; i++) {
		release(wk, obj[i], size[i] ? size[i] : CACHE_OBJ);
		wk->remote_frees++;
	}
}

/* Hand an object to the next thread; false when its mailbox is full. */
static bool post(struct worker *wk, void *p, size_t size)
{
	struct mailbox *mb = &wk->sh->box[(wk->cpu + 1) % THREADS];
	bool ok = false;
	pthread_mutex_lock(&mb->lock);
	if (mb->n < HANDOFF) {
		mb->obj[mb->n] = p;
		mb->size[mb->n++] = size;
		ok = true;
	}
	pthread_mutex_unlock(&mb->lock);
	return ok;
}

static void *work(void *arg)
{
	struct worker *wk = arg;
	struct kmm *k = wk->sh->k;
	struct { void *p; size_t size; } live[LIVE]; /* size 0: a cache object */
	unsigned n = 0;
	uint64_t s = 0x9e3779b97f4a7c15ull * (wk->cpu + 1);

	kmm_set_cpu(k, wk->cpu);
	for (int step = 0; step < STEPS; step++) {
		if (kmm_current_cpu(k) != wk->cpu)
			wk->wrong_cpu++;
		if (step % 64 == 0)
			drain_mailbox(wk);
		if (n < LIVE && (n == 0 || rnd(&s) % 2)) {
			uint64_t r = rnd(&s);
			size_t size;
			void *p;
			if (r % 5 == 0) {
				size = 0;
				p = kmm_cache_alloc(k, wk->sh->cache, KMM_GFP_KERNEL);
			} else {
				size = r % 97 == 0 ? 9000 + (r >> 8) % 20000 : 1 + (r >> 8) % 1024;
				kmm_gfp_t gfp = KMM_GFP_KERNEL | ((r >> 40) % 8 == 0 ? KMM___GFP_ZERO : 0);
				p = kmm_kmalloc(k, size, gfp);
			}
			if (!p) {
				wk->failed++;
				continue;
			}
			stamp(p, size ? size : CACHE_OBJ);
			live[n].p = p;
			live[n++].size = size;
			wk->allocs++;
		} else {
			unsigned i = (unsigned)(rnd(&s) % n);
			void *p = live[i].p;
			size_t size = live[i].size;
			live[i] = live[--n];
			if (rnd(&s) % 4 == 0 && post(wk, p, size))
				continue;
			release(wk, p, size ? size : CACHE_OBJ);
		}
	}
	while (n) {
		n--;
		release(wk, live[n].p, live[n].size ? live[n].size : CACHE_OBJ);
	}
	return NULL;
}

static void run_backend(enum kmm_slab_backend b)
{
	struct kmm_config c;
	kmm_config_init(&c, 2, 16384);
	c.nr_cpus = THREADS;
	c.threaded = true;
	c.slab_backend = b;
	c.debug_level = 1;
	c.sink.emit = kmm_report_to_stderr;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	static struct shared sh;
	memset(&sh, 0, sizeof(sh));
	sh.k = k;
	sh.cache = kmm_cache_create(k, "shared", CACHE_OBJ, 0, KMM_SLAB_HWCACHE_ALIGN, NULL);
	REQUIRE(sh.cache);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_mutex_init(&sh.box[i].lock, NULL);

	pthread_t t[THREADS];
	struct worker w[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .sh = &sh, .cpu = i };
		CHECK_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	/* Whatever is still in a mailbox is freed by its owner's CPU. */
	for (unsigned i = 0; i < THREADS; i++) {
		kmm_set_cpu(k, i);
		drain_mailbox(&w[i]);
		pthread_mutex_destroy(&sh.box[i].lock);
	}
	uint64_t allocs = 0, remote = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		CHECK_EQ(w[i].corrupt, 0);
		CHECK_EQ(w[i].wrong_cpu, 0);
		CHECK_EQ(w[i].failed, 0);
		allocs += w[i].allocs;
		remote += w[i].remote_frees;
	}
	CHECK(allocs > THREADS * STEPS / 3);
	CHECK(remote > 0);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 0);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_BAD_PAGE), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK_EQ(kmm_cache_destroy(k, sh.cache), 0); /* 0: no object of it is left */
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(slub_threads) { run_backend(KMM_SLAB_BACKEND_SLUB); }
TEST(slab_threads) { run_backend(KMM_SLAB_BACKEND_SLAB); }

int main(void)
{
	RUN(slub_threads);
	RUN(slab_threads);
	return test_summary();
}
