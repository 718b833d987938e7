/* The rnnmusic bridge, protocol version 1: one shared-memory segment per plugin instance.
 *
 * The plugin creates /dev/shm/rnnmusic-<uid>-<pid>-<n> (shm_open name "/rnnmusic-...") when it is
 * instantiated and unlinks it when it is removed; `rnnmusic serve` finds every such segment and
 * gives each its own stream. Each field has exactly one writer (plugin or engine), so neither side
 * ever waits for the other: the audio thread only reads and writes plain memory.
 *
 * The layout is fixed, little-endian, and described field by field in docs/plugin-protocol.md;
 * rnnmusic/serve/protocol.py reads the same offsets. Any change to it bumps RNNM_VERSION.
 */
#ifndef RNNMUSIC_BRIDGE_H
#define RNNMUSIC_BRIDGE_H

#include <stdint.h>

#define RNNM_MAGIC 0x4d4e4e52u /* "RNNM" read as little-endian bytes */
#define RNNM_VERSION 1u
#define RNNM_NOTE_CAPACITY 256u  /* power of two: ring indices wrap with a mask */
#define RNNM_INPUT_CAPACITY 256u

/* Plugin -> engine: where the host is. Written under a sequence lock (seq odd while writing) so the
 * engine can read a consistent copy without the plugin ever waiting. */
typedef struct {
    uint32_t seq;
    uint32_t epoch;          /* bumped on stop, relocation, regenerate, engine loss: notes of an older epoch are dropped */
    double beat;             /* host position at the start of the last block, in beats from the song's start */
    double bpm;
    double beats_per_bar;
    double speed;            /* 0 stopped, 1 playing */
    double sample_rate;
    uint32_t rolling;
    uint32_t model;          /* controls, as the host last set them */
    float temperature;
    int32_t key;             /* 0 none, 1..24: C major, C minor, C# major, ... */
    float repetition;
    uint32_t mute;
    uint32_t regenerate;     /* counts presses */
    uint32_t pad0;
} RnnmPosition;              /* 80 bytes */

typedef struct {
    double on_beat;          /* host beats */
    double off_beat;
    uint32_t epoch;
    uint8_t channel, pitch, velocity, pad;
    uint64_t reserved;
} RnnmNote;                  /* 32 bytes */

typedef struct {
    double beat;             /* host beat at which the event came in */
    uint8_t status, data1, data2, pad;
    uint32_t epoch;
} RnnmInput;                 /* 16 bytes */

typedef struct {
    /* 0: fixed header, written once by the plugin */
    uint32_t magic, version, size, note_capacity, input_capacity, header_size;
    /* 24: plugin's liveness */
    uint64_t plugin_blocks;  /* run() calls so far */
    int32_t plugin_pid;
    uint32_t plugin_open;    /* 1 while the instance exists; 0 once it is being removed */
    /* 40 */
    RnnmPosition pos;
    uint8_t pos_pad[8];
    /* 128: engine side */
    uint64_t engine_heartbeat; /* incremented by the engine on every pass (about every 2 ms) */
    int32_t engine_pid;        /* 0: no engine; the plugin watches this process and goes silent when it dies */
    uint32_t engine_epoch;     /* the epoch the engine is writing notes for */
    uint32_t note_write;       /* engine: notes written so far (index into notes[] masked) */
    uint32_t note_read;        /* plugin: notes taken so far */
    uint32_t input_write;      /* plugin */
    uint32_t input_read;       /* engine */
    uint32_t notes_played;     /* plugin: note-ons sent */
    uint32_t notes_late;       /* plugin: notes dropped because their start had passed when they came */
    uint8_t reserved[88];
    /* 256 */
    RnnmNote notes[RNNM_NOTE_CAPACITY];
    RnnmInput inputs[RNNM_INPUT_CAPACITY];
} RnnmSegment;

_Static_assert(sizeof(RnnmPosition) == 80, "position block layout");
_Static_assert(sizeof(RnnmNote) == 32, "note layout");
_Static_assert(sizeof(RnnmInput) == 16, "input layout");
_Static_assert(__builtin_offsetof(RnnmSegment, pos) == 40, "position offset");
_Static_assert(__builtin_offsetof(RnnmSegment, engine_heartbeat) == 128, "engine offset");
_Static_assert(__builtin_offsetof(RnnmSegment, notes_played) == 160, "counters offset");
_Static_assert(__builtin_offsetof(RnnmSegment, notes) == 256, "notes offset");

#endif
