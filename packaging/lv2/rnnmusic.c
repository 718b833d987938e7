/* rnnmusic LV2 plugin: plays notes that `rnnmusic serve` writes ahead, in beats, against the host's
 * transport, each at its exact sample.
 *
 * Real-time rules for run(): no allocation, no locks, no system calls. Everything that may block
 * (creating the shared segment, watching the engine process) happens in instantiate() or in the
 * watcher thread; run() touches only this struct and the mapped segment, through atomics.
 * Protocol: rnnmusic_bridge.h and docs/plugin-protocol.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/midi/midi.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>

#include "rnnmusic_bridge.h"

#define PLUGIN_URI "urn:rnnmusic:lv2:rnnmusic"
#define SLOTS 512
/* an engine whose heartbeat stands still this long is treated as lost (hung, or stopped by a debugger) */
#define ENGINE_STALL_NS 300000000LL
/* A host position this close to where the plugin expected to be is the same place, re-stated
 * (hosts round their tick, or re-send after a missed cycle): follow it without dropping any note.
 * Farther is a jump: every note ends and the engine starts again there. */
#define RESYNC_BEATS (1.0 / 32.0)

enum { P_CONTROL, P_OUT, P_MODEL, P_TEMPERATURE, P_KEY, P_REPETITION, P_MUTE, P_REGENERATE, P_COUNT };
enum { FREE, WAITING, SOUNDING };

typedef struct {
    double on, off;
    uint8_t channel, pitch, velocity, state;
    int64_t on_frame; /* frame in the current segment where it started, -1 if in an earlier one */
} Slot;

typedef struct {
    int64_t frame;
    uint8_t msg[3];
} OutEvent;

typedef struct {
    LV2_URID atom_Sequence, atom_Object, atom_Blank, atom_Float, atom_Double, atom_Int, atom_Long, midi_Event, time_Position,
        time_barBeat, time_bar, time_beatsPerMinute, time_beatsPerBar, time_speed;
} Uris;

typedef struct {
    const LV2_Atom_Sequence* control;
    LV2_Atom_Sequence* out;
    uint32_t out_capacity;
    const float* ports[P_COUNT];
    LV2_URID_Map* map;
    Uris uris;
    double rate;

    /* host transport, extrapolated from the last time:Position */
    bool have_pos;
    double beat, bpm, beats_per_bar, speed;

    RnnmSegment* seg;
    char shm_name[96];

    pthread_t watcher;
    bool watcher_started;
    atomic_int quit;
    atomic_int engine_ok; /* written by the watcher thread, read by run() */
    bool engine_was_ok;

    uint32_t epoch;
    uint32_t regenerate_count;
    float last_regenerate;
    bool muted;
    bool flush_pending; /* notes left sounding at deactivate(): ended in the first run() after activate() */

    Slot slots[SLOTS];
    OutEvent events[2 * SLOTS + 8];
    int n_events;
} Plugin;

static atomic_uint instance_counter;

/* ---- the engine watcher (not the audio thread: it may block, sleep and make system calls) ---- */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_pidfd(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Decides whether an engine is serving this instance. A pidfd turns readable the moment the engine
 * process dies (even before its parent reaps it), so a killed engine is noticed within
 * microseconds; a heartbeat that stops moving catches an engine that is alive but stuck. */
static void* watch_engine(void* arg) {
    Plugin* self = (Plugin*)arg;
    int watched_pid = 0, dead_pid = 0, pidfd = -1;
    uint64_t last_beat = 0;
    int64_t last_change = now_ns();
    while (!atomic_load(&self->quit)) {
        int pid = __atomic_load_n(&self->seg->engine_pid, __ATOMIC_ACQUIRE);
        if (pid != watched_pid) {
            if (pidfd >= 0) close(pidfd);
            pidfd = -1;
            watched_pid = pid;
            last_change = now_ns();
            if (pid > 0 && pid != dead_pid) {
                pidfd = open_pidfd(pid);
                if (pidfd < 0 && errno == ESRCH) dead_pid = pid;
            }
        }
        bool alive = watched_pid > 0 && watched_pid != dead_pid;
        if (pidfd >= 0) {
            struct pollfd p = {.fd = pidfd, .events = POLLIN};
            if (poll(&p, 1, 1) > 0) { /* the process has exited */
                close(pidfd);
                pidfd = -1;
                dead_pid = watched_pid;
                alive = false;
            }
        } else {
            if (alive && kill(watched_pid, 0) != 0 && errno == ESRCH) {
                dead_pid = watched_pid;
                alive = false;
            }
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        uint64_t beat = __atomic_load_n(&self->seg->engine_heartbeat, __ATOMIC_ACQUIRE);
        int64_t t = now_ns();
        if (beat != last_beat) {
            last_beat = beat;
            last_change = t;
        }
        if (t - last_change > ENGINE_STALL_NS) alive = false;
        atomic_store(&self->engine_ok, alive ? 1 : 0);
    }
    if (pidfd >= 0) close(pidfd);
    return NULL;
}

/* The watcher runs at real-time priority 1 where the host's process may use it: a killed engine is
 * seen the moment its pidfd turns readable, where an ordinary thread can wait tens of milliseconds
 * for a CPU while the kernel tears the engine down (measured: 58 ms late once on a busy 2-core VM).
 * Priority 1 runs before all ordinary work and never before JACK's or the host's audio threads.
 * Without permission it is an ordinary thread, as before. */
static bool start_watcher(Plugin* self) {
    pthread_attr_t attr;
    struct sched_param param = {.sched_priority = 1};
    if (pthread_attr_init(&attr) == 0) {
        bool ok = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) == 0 &&
                  pthread_attr_setschedpolicy(&attr, SCHED_FIFO) == 0 &&
                  pthread_attr_setschedparam(&attr, &param) == 0 &&
                  pthread_create(&self->watcher, &attr, watch_engine, self) == 0;
        pthread_attr_destroy(&attr);
        if (ok) return true;
    }
    return pthread_create(&self->watcher, NULL, watch_engine, self) == 0;
}

/* ---- output ---- */

static void add_event(Plugin* self, int64_t frame, uint8_t status, uint8_t d1, uint8_t d2) {
    if (self->n_events >= (int)(sizeof(self->events) / sizeof(self->events[0]))) return;
    OutEvent* e = &self->events[self->n_events++];
    e->frame = frame;
    e->msg[0] = status;
    e->msg[1] = d1;
    e->msg[2] = d2;
}

static void note_off(Plugin* self, Slot* s, int64_t frame) {
    add_event(self, frame, (uint8_t)(0x80 | s->channel), s->pitch, 0);
    s->state = FREE;
}

/* Events are collected per segment and written in time order (an atom sequence must not go back in
 * time); at one frame the order of collection is kept, so a note-off before a retriggered note-on. */
static void flush_events(Plugin* self) {
    for (int i = 1; i < self->n_events; i++) {
        OutEvent e = self->events[i];
        int j = i - 1;
        while (j >= 0 && self->events[j].frame > e.frame) {
            self->events[j + 1] = self->events[j];
            j--;
        }
        self->events[j + 1] = e;
    }
    for (int i = 0; i < self->n_events; i++) {
        struct {
            LV2_Atom_Event event;
            uint8_t msg[3];
        } midi;
        midi.event.time.frames = self->events[i].frame;
        midi.event.body.type = self->uris.midi_Event;
        midi.event.body.size = 3;
        memcpy(midi.msg, self->events[i].msg, 3);
        lv2_atom_sequence_append_event(self->out, self->out_capacity, &midi.event);
    }
    self->n_events = 0;
}

static void end_all(Plugin* self, int64_t frame, bool drop_waiting) {
    for (int i = 0; i < SLOTS; i++) {
        Slot* s = &self->slots[i];
        if (s->state == SOUNDING) note_off(self, s, frame);
        else if (drop_waiting && s->state == WAITING) s->state = FREE;
    }
}

/* Every note of an older epoch is worthless: the engine will write new ones for the new position. */
static void new_epoch(Plugin* self) {
    self->epoch++;
    for (int i = 0; i < SLOTS; i++)
        if (self->slots[i].state == WAITING) self->slots[i].state = FREE;
}

/* Plays the notes that fall in [from, to) frames of this block, the host moving at its tempo. */
static void render(Plugin* self, int64_t from, int64_t to) {
    if (to <= from) return;
    bool moving = self->have_pos && self->speed != 0.0 && self->bpm > 0.0;
    if (!moving) return;
    double beats_per_frame = self->speed * self->bpm / 60.0 / self->rate;
    double b0 = self->beat, b1 = b0 + (double)(to - from) * beats_per_frame;
    bool play = self->engine_was_ok && !self->muted;
    for (int i = 0; i < SLOTS; i++) {
        Slot* s = &self->slots[i];
        if (s->state == SOUNDING && s->off < b1) {
            int64_t f = from + (int64_t)llround((s->off - b0) / beats_per_frame);
            note_off(self, s, f < from ? from : (f >= to ? to - 1 : f));
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        Slot* s = &self->slots[i];
        if (s->state != WAITING || s->on >= b1) continue;
        /* a note whose start has passed came late: drop it rather than play it off the grid */
        if (!play || s->on < b0 - 1e-9) {
            if (play) __atomic_store_n(&self->seg->notes_late, self->seg->notes_late + 1, __ATOMIC_RELAXED);
            s->state = FREE;
            continue;
        }
        int64_t f = from + (int64_t)llround((s->on - b0) / beats_per_frame);
        if (f >= to) continue; /* rounds to the first frame of the next segment */
        if (f < from) f = from;
        for (int j = 0; j < SLOTS; j++) { /* the same pitch sounding: end it first, then restart */
            Slot* o = &self->slots[j];
            if (o->state == SOUNDING && o->pitch == s->pitch && o->channel == s->channel) note_off(self, o, f);
        }
        add_event(self, f, (uint8_t)(0x90 | s->channel), s->pitch, s->velocity ? s->velocity : 1);
        __atomic_store_n(&self->seg->notes_played, self->seg->notes_played + 1, __ATOMIC_RELAXED);
        s->state = SOUNDING;
        s->on_frame = f;
    }
    for (int i = 0; i < SLOTS; i++) { /* notes that start and end within this segment */
        Slot* s = &self->slots[i];
        if (s->state == SOUNDING && s->on_frame >= 0 && s->off < b1) {
            int64_t f = from + (int64_t)llround((s->off - b0) / beats_per_frame);
            if (f > s->on_frame && f < to) note_off(self, s, f);
        }
        s->on_frame = -1;
    }
    self->beat = b1;
}

/* ---- the shared segment ---- */

static void take_notes(Plugin* self) {
    RnnmSegment* seg = self->seg;
    uint32_t read = seg->note_read;
    uint32_t write = __atomic_load_n(&seg->note_write, __ATOMIC_ACQUIRE);
    int free_slot = 0;
    while (read != write) {
        const RnnmNote* n = &seg->notes[read & (RNNM_NOTE_CAPACITY - 1)];
        if (n->epoch == self->epoch && self->engine_was_ok) {
            while (free_slot < SLOTS && self->slots[free_slot].state != FREE) free_slot++;
            if (free_slot == SLOTS) break; /* full: leave the rest in the ring for later blocks */
            Slot* s = &self->slots[free_slot];
            s->on = n->on_beat;
            s->off = n->off_beat > n->on_beat ? n->off_beat : n->on_beat;
            s->channel = n->channel & 15;
            s->pitch = n->pitch & 127;
            s->velocity = n->velocity & 127;
            s->state = WAITING;
            s->on_frame = -1;
        }
        read++;
    }
    __atomic_store_n(&seg->note_read, read, __ATOMIC_RELEASE);
}

static void discard_notes(Plugin* self) {
    uint32_t write = __atomic_load_n(&self->seg->note_write, __ATOMIC_ACQUIRE);
    __atomic_store_n(&self->seg->note_read, write, __ATOMIC_RELEASE);
}

static void publish(Plugin* self) {
    RnnmPosition* p = &self->seg->pos;
    uint32_t seq = p->seq;
    __atomic_store_n(&p->seq, seq + 1, __ATOMIC_RELEASE); /* odd: being written */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    p->epoch = self->epoch;
    p->beat = self->beat;
    p->bpm = self->bpm;
    p->beats_per_bar = self->beats_per_bar;
    p->speed = self->have_pos ? self->speed : 0.0;
    p->sample_rate = self->rate;
    p->rolling = self->have_pos && self->speed != 0.0;
    p->model = (uint32_t)(*self->ports[P_MODEL] < 0 ? 0 : lrintf(*self->ports[P_MODEL]));
    p->temperature = *self->ports[P_TEMPERATURE];
    p->key = (int32_t)lrintf(*self->ports[P_KEY]);
    p->repetition = *self->ports[P_REPETITION];
    p->mute = self->muted;
    p->regenerate = self->regenerate_count;
    __atomic_store_n(&p->seq, seq + 2, __ATOMIC_RELEASE);
    __atomic_add_fetch(&self->seg->plugin_blocks, 1, __ATOMIC_RELEASE);
}

static void record_input(Plugin* self, const uint8_t* msg, uint32_t size) {
    RnnmSegment* seg = self->seg;
    if (size < 1 || size > 3) return;
    uint32_t write = seg->input_write;
    uint32_t read = __atomic_load_n(&seg->input_read, __ATOMIC_ACQUIRE);
    if (write - read >= RNNM_INPUT_CAPACITY) return; /* engine not reading: drop, never wait */
    RnnmInput* in = &seg->inputs[write & (RNNM_INPUT_CAPACITY - 1)];
    in->beat = self->beat;
    in->status = msg[0];
    in->data1 = size > 1 ? msg[1] : 0;
    in->data2 = size > 2 ? msg[2] : 0;
    in->epoch = self->epoch;
    __atomic_store_n(&seg->input_write, write + 1, __ATOMIC_RELEASE);
}

static double atom_number(const Uris* u, const LV2_Atom* a) {
    if (a->type == u->atom_Float) return ((const LV2_Atom_Float*)a)->body;
    if (a->type == u->atom_Double) return ((const LV2_Atom_Double*)a)->body;
    if (a->type == u->atom_Int) return ((const LV2_Atom_Int*)a)->body;
    if (a->type == u->atom_Long) return (double)((const LV2_Atom_Long*)a)->body;
    return NAN;
}

/* A new host position: a stop, a start, a tempo change or a jump. A stop or a jump ends every note
 * at once and starts a new epoch; a start from where it stopped, or a tempo change on the same beat,
 * keeps the notes (they are in beats, so they follow the new tempo by themselves). */
static void update_position(Plugin* self, const LV2_Atom_Object* obj, int64_t frame) {
    const Uris* u = &self->uris;
    const LV2_Atom *bar = NULL, *bar_beat = NULL, *bpm = NULL, *bpb = NULL, *speed = NULL;
    lv2_atom_object_get(obj, u->time_bar, &bar, u->time_barBeat, &bar_beat, u->time_beatsPerMinute, &bpm,
                        u->time_beatsPerBar, &bpb, u->time_speed, &speed, 0);
    double new_bpb = bpb ? atom_number(u, bpb) : self->beats_per_bar;
    double new_bpm = bpm ? atom_number(u, bpm) : self->bpm;
    double new_speed = speed ? atom_number(u, speed) : self->speed;
    double new_beat = self->beat;
    if (bar && bar_beat) new_beat = atom_number(u, bar) * new_bpb + atom_number(u, bar_beat);
    if (!isfinite(new_bpb) || new_bpb <= 0) new_bpb = 4.0;
    if (!isfinite(new_bpm) || new_bpm <= 0) new_bpm = 120.0;
    if (!isfinite(new_speed)) new_speed = 0.0;
    if (!isfinite(new_beat)) new_beat = self->beat;

    bool was_rolling = self->have_pos && self->speed != 0.0;
    bool jumped = !self->have_pos || fabs(new_beat - self->beat) > RESYNC_BEATS;
    bool stopped = was_rolling && new_speed == 0.0;
    if (jumped || stopped) {
        end_all(self, frame, true);
        new_epoch(self);
    }
    self->have_pos = true;
    self->beat = new_beat;
    self->bpm = new_bpm;
    self->beats_per_bar = new_bpb;
    self->speed = new_speed;
}

/* ---- LV2 ---- */

static LV2_Handle instantiate(const LV2_Descriptor* d, double rate, const char* bundle,
                              const LV2_Feature* const* features) {
    (void)d;
    (void)bundle;
    LV2_URID_Map* map = NULL;
    const char* missing = lv2_features_query(features, LV2_URID__map, &map, true, NULL);
    if (missing) return NULL;
    Plugin* self = (Plugin*)calloc(1, sizeof(Plugin));
    if (!self) return NULL;
    self->map = map;
    self->rate = rate;
    self->bpm = 120.0;
    self->beats_per_bar = 4.0;
    Uris* u = &self->uris;
    u->atom_Sequence = map->map(map->handle, LV2_ATOM__Sequence);
    u->atom_Object = map->map(map->handle, LV2_ATOM__Object);
    u->atom_Blank = map->map(map->handle, LV2_ATOM__Blank);
    u->atom_Float = map->map(map->handle, LV2_ATOM__Float);
    u->atom_Double = map->map(map->handle, LV2_ATOM__Double);
    u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
    u->atom_Long = map->map(map->handle, LV2_ATOM__Long);
    u->midi_Event = map->map(map->handle, LV2_MIDI__MidiEvent);
    u->time_Position = map->map(map->handle, LV2_TIME__Position);
    u->time_barBeat = map->map(map->handle, LV2_TIME__barBeat);
    u->time_bar = map->map(map->handle, LV2_TIME__bar);
    u->time_beatsPerMinute = map->map(map->handle, LV2_TIME__beatsPerMinute);
    u->time_beatsPerBar = map->map(map->handle, LV2_TIME__beatsPerBar);
    u->time_speed = map->map(map->handle, LV2_TIME__speed);

    /* one segment per instance: the engine gives each its own stream */
    snprintf(self->shm_name, sizeof(self->shm_name), "/rnnmusic-%d-%d-%u", (int)getuid(), (int)getpid(),
             atomic_fetch_add(&instance_counter, 1));
    int fd = shm_open(self->shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, sizeof(RnnmSegment)) != 0) {
        if (fd >= 0) close(fd), shm_unlink(self->shm_name);
        free(self);
        return NULL;
    }
    void* mem = mmap(NULL, sizeof(RnnmSegment), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mem == MAP_FAILED) {
        shm_unlink(self->shm_name);
        free(self);
        return NULL;
    }
    mlock(mem, sizeof(RnnmSegment)); /* no page faults on the audio thread; refused without permission, harmless */
    memset(mem, 0, sizeof(RnnmSegment));
    RnnmSegment* seg = (RnnmSegment*)mem;
    seg->version = RNNM_VERSION;
    seg->size = sizeof(RnnmSegment);
    seg->note_capacity = RNNM_NOTE_CAPACITY;
    seg->input_capacity = RNNM_INPUT_CAPACITY;
    seg->header_size = 256;
    seg->plugin_pid = (int32_t)getpid();
    seg->plugin_open = 1;
    __atomic_store_n(&seg->magic, RNNM_MAGIC, __ATOMIC_RELEASE); /* last: the engine reads nothing before it */
    self->seg = seg;
    for (int i = 0; i < SLOTS; i++) self->slots[i].on_frame = -1;

    self->watcher_started = start_watcher(self);
    return (LV2_Handle)self;
}

static void connect_port(LV2_Handle h, uint32_t port, void* data) {
    Plugin* self = (Plugin*)h;
    if (port == P_CONTROL) self->control = (const LV2_Atom_Sequence*)data;
    else if (port == P_OUT) self->out = (LV2_Atom_Sequence*)data;
    else if (port < P_COUNT) self->ports[port] = (const float*)data;
}

static void activate(LV2_Handle h) {
    Plugin* self = (Plugin*)h;
    self->have_pos = false; /* the host sends a position with the first block */
    self->last_regenerate = self->ports[P_REGENERATE] ? *self->ports[P_REGENERATE] : 0.0f;
}

static void run(LV2_Handle h, uint32_t n_frames) {
    Plugin* self = (Plugin*)h;
    self->out_capacity = self->out->atom.size; /* the host sets the buffer's capacity here */
    lv2_atom_sequence_clear(self->out);
    self->out->atom.type = self->uris.atom_Sequence;
    self->n_events = 0;

    if (self->flush_pending) {
        end_all(self, 0, true);
        self->flush_pending = false;
    }
    bool ok = atomic_load(&self->engine_ok) != 0;
    if (self->engine_was_ok && !ok) { /* engine gone: silence now, forget what it wrote */
        end_all(self, 0, true);
        new_epoch(self);
        discard_notes(self);
    }
    self->engine_was_ok = ok;

    bool muted = *self->ports[P_MUTE] > 0.5f;
    if (muted && !self->muted) end_all(self, 0, false);
    self->muted = muted;
    float regenerate = *self->ports[P_REGENERATE];
    if (regenerate > 0.5f && self->last_regenerate <= 0.5f) {
        self->regenerate_count++;
        new_epoch(self);
    }
    self->last_regenerate = regenerate;

    if (ok) take_notes(self);
    else discard_notes(self);

    int64_t done = 0;
    LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
        int64_t t = ev->time.frames;
        if (t > (int64_t)n_frames) t = n_frames;
        if (t < done) t = done;
        render(self, done, t);
        done = t;
        if (ev->body.type == self->uris.atom_Object || ev->body.type == self->uris.atom_Blank) {
            const LV2_Atom_Object* obj = (const LV2_Atom_Object*)&ev->body;
            if (obj->body.otype == self->uris.time_Position) update_position(self, obj, t);
        } else if (ev->body.type == self->uris.midi_Event) {
            record_input(self, (const uint8_t*)(ev + 1), ev->body.size);
        }
    }
    render(self, done, n_frames);
    flush_events(self);
    publish(self);
}

static void deactivate(LV2_Handle h) {
    Plugin* self = (Plugin*)h;
    /* No output can be written here; whatever still sounds is ended in the first block after the
     * host activates the plugin again (the host itself resolves notes of a plugin it removes). */
    for (int i = 0; i < SLOTS; i++) {
        if (self->slots[i].state == SOUNDING) self->flush_pending = true;
        else self->slots[i].state = FREE;
    }
    new_epoch(self);
}

static void cleanup(LV2_Handle h) {
    Plugin* self = (Plugin*)h;
    if (self->watcher_started) {
        atomic_store(&self->quit, 1);
        pthread_join(self->watcher, NULL);
    }
    __atomic_store_n(&self->seg->plugin_open, 0, __ATOMIC_RELEASE);
    munmap(self->seg, sizeof(RnnmSegment));
    shm_unlink(self->shm_name);
    free(self);
}

static const LV2_Descriptor descriptor = {PLUGIN_URI, instantiate, connect_port, activate, run, deactivate, cleanup,
                                          NULL};

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index) { return index == 0 ? &descriptor : NULL; }
