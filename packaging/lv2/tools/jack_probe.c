/* rnnmusic-jack-probe: an independent JACK MIDI receiver for the plugin's tests and benchmark.
 *
 * It records every MIDI event with the absolute JACK frame it arrived at and the host beat of that
 * frame, computed from JACK's own transport (BBT at each change of state, tempo or position, then
 * frames at the tempo: the same rule a host uses to feed a plugin). It shares no code with the plugin.
 *
 * With --master BPM BEATS_PER_BAR it is also the JACK timebase master: BBT computed afresh from the
 * frame every cycle (ticks_per_beat 1e6), so it neither drifts nor rounds to a coarse tick, and
 * "tempo X" on stdin changes the tempo at the current beat (the beat runs on without a jump, as in
 * a DAW). jack_transport's own master adds whole ticks per period and so runs slow (see docs/plugin.md).
 *
 * Output lines (stdout): "ev FRAME BEAT BPM ROLLING B0 B1 B2", "xport FRAME BEAT BPM ROLLING" at each
 * change, and "mark FRAME" for each "mark" line read on stdin (the frame JACK is at right then).
 * The process callback only copies into a lock-free ring; the main thread prints.
 */
#define _GNU_SOURCE
#include <jack/jack.h>
#include <jack/midiport.h>
#include <jack/transport.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RING 65536

typedef struct {
    int kind; /* 0 event, 1 transport change */
    uint64_t frame;
    double beat, bpm;
    int rolling;
    int size;
    uint32_t tframe, expected;
    uint8_t msg[3];
} Rec;

static Rec ring[RING];
static atomic_uint ring_write, ring_read;
static jack_port_t* port;
static jack_client_t* client;
static int have_anchor, last_rolling;
static double anchor_bpm;
static jack_nframes_t expected_frame;

static int master;
static double m_bpm, m_bpb, m_anchor_beat;
static jack_nframes_t m_anchor_frame;
static _Atomic double m_requested_bpm;

static void timebase(jack_transport_state_t state, jack_nframes_t n, jack_position_t* pos, int new_pos, void* arg) {
    (void)state, (void)n, (void)new_pos, (void)arg;
    double want = atomic_load(&m_requested_bpm);
    double beat = m_anchor_beat + ((double)pos->frame - (double)m_anchor_frame) * m_bpm / 60.0 / pos->frame_rate;
    if (want != m_bpm) { /* the new tempo starts here, on the beat we are at */
        m_anchor_beat = beat;
        m_anchor_frame = pos->frame;
        m_bpm = want;
    }
    if (beat < 0) beat = 0;
    double whole = floor(beat);
    long bar = (long)floor(beat / m_bpb);
    pos->valid = JackPositionBBT;
    pos->beats_per_bar = (float)m_bpb;
    pos->beat_type = 4;
    pos->ticks_per_beat = 1e6;
    pos->beats_per_minute = m_bpm;
    pos->bar = (int32_t)bar + 1;
    pos->beat = (int32_t)(whole - bar * m_bpb) + 1;
    pos->tick = (int32_t)floor((beat - whole) * 1e6);
    pos->bar_start_tick = bar * m_bpb * 1e6;
}

static void push(const Rec* r) {
    unsigned w = atomic_load_explicit(&ring_write, memory_order_relaxed);
    if (w - atomic_load_explicit(&ring_read, memory_order_acquire) >= RING) return;
    ring[w % RING] = *r;
    atomic_store_explicit(&ring_write, w + 1, memory_order_release);
}

static int process(jack_nframes_t n, void* arg) {
    (void)arg;
    jack_position_t pos;
    jack_transport_state_t state = jack_transport_query(client, &pos);
    int rolling = state == JackTransportRolling;
    uint64_t cycle = jack_last_frame_time(client);
    double bpm = (pos.valid & JackPositionBBT) ? pos.beats_per_minute : 120.0;
    double cycle_beat = (pos.valid & JackPositionBBT)
                            ? (pos.bar - 1) * (double)pos.beats_per_bar + (pos.beat - 1) + pos.tick / pos.ticks_per_beat
                            : 0.0;
    if (!have_anchor || rolling != last_rolling || pos.frame != expected_frame || bpm != anchor_bpm) {
        have_anchor = 1;
        anchor_bpm = bpm;
        Rec r = {.kind = 1, .frame = cycle, .beat = cycle_beat, .bpm = bpm, .rolling = rolling, .tframe = pos.frame, .expected = expected_frame};
        push(&r);
    }
    last_rolling = rolling;
    expected_frame = pos.frame + (rolling ? n : 0);
    void* buf = jack_port_get_buffer(port, n);
    uint32_t count = jack_midi_get_event_count(buf);
    for (uint32_t i = 0; i < count; i++) {
        jack_midi_event_t ev;
        if (jack_midi_event_get(&ev, buf, i) != 0) continue;
        Rec r = {.kind = 0, .frame = cycle + ev.time, .bpm = bpm, .rolling = rolling};
        r.beat = cycle_beat + (rolling ? (double)ev.time * bpm / 60.0 / pos.frame_rate : 0.0);
        r.size = ev.size < 3 ? (int)ev.size : 3;
        memcpy(r.msg, ev.buffer, r.size);
        push(&r);
    }
    return 0;
}

static volatile sig_atomic_t quit;
static void on_signal(int s) { (void)s; quit = 1; }

static void drain(void) {
    unsigned r = atomic_load_explicit(&ring_read, memory_order_relaxed);
    unsigned w = atomic_load_explicit(&ring_write, memory_order_acquire);
    for (; r != w; r++) {
        const Rec* e = &ring[r % RING];
        if (e->kind == 1) {
            printf("xport %llu %.9f %.6f %d %u %u\n", (unsigned long long)e->frame, e->beat, e->bpm, e->rolling, e->tframe, e->expected);
        } else {
            printf("ev %llu %.9f %.6f %d", (unsigned long long)e->frame, e->beat, e->bpm, e->rolling);
            for (int i = 0; i < 3; i++) printf(" %d", i < e->size ? e->msg[i] : 0);
            printf("\n");
        }
    }
    atomic_store_explicit(&ring_read, r, memory_order_release);
    fflush(stdout);
}

int main(int argc, char** argv) {
    const char* name = argc > 1 ? argv[1] : "rnnmusic-probe";
    if (argc > 4 && strcmp(argv[2], "--master") == 0) {
        master = 1;
        m_bpm = atof(argv[3]);
        m_bpb = atof(argv[4]);
        atomic_store(&m_requested_bpm, m_bpm);
    }
    client = jack_client_open(name, JackNoStartServer, NULL);
    if (!client) {
        fprintf(stderr, "rnnmusic-jack-probe: cannot reach a JACK server\n");
        return 1;
    }
    port = jack_port_register(client, "in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    jack_set_process_callback(client, process, NULL);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (!port || jack_activate(client) != 0) return 1;
    if (master && jack_set_timebase_callback(client, 0, timebase, NULL) != 0) {
        fprintf(stderr, "rnnmusic-jack-probe: cannot become timebase master\n");
        return 1;
    }
    printf("ready %u\n", jack_get_sample_rate(client));
    fflush(stdout);
    char line[256];
    size_t used = 0;
    while (!quit) {
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int ready = poll(&p, 1, 5);
        if (ready > 0) {
            ssize_t got = read(0, line + used, sizeof(line) - 1 - used);
            if (got <= 0) break; /* stdin closed: the test is done with us */
            used += (size_t)got;
            line[used] = 0;
            char* nl;
            while ((nl = strchr(line, '\n'))) {
                *nl = 0;
                if (strncmp(line, "tempo ", 6) == 0) {
                    atomic_store(&m_requested_bpm, atof(line + 6));
                } else if (strcmp(line, "mark") == 0) {
                    drain();
                    printf("mark %u\n", jack_frame_time(client));
                }
                memmove(line, nl + 1, used - (size_t)(nl + 1 - line) + 1);
                used -= (size_t)(nl + 1 - line);
            }
        }
        drain();
    }
    drain();
    jack_client_close(client);
    drain();
    return 0;
}
