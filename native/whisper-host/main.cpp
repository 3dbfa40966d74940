// Greffier's whisper host: loads a whisper.cpp model (and the Silero VAD model) once and
// transcribes window after window of audio sent on its standard input, so the final pass
// does not pay a process start and a model load per ~30 s window.
//
// Protocol (one request at a time, in order):
//   start:    greffier-whisper-host -m MODEL [--vad-model VAD] [--no-flash-attn]
//             -> one line {"event":"ready",...} or {"event":"load-failed",...} (then exit 3)
//   request:  one line of JSON (a flat object: id, samples, language, prompt, audioContext,
//             beamSize, bestOf, noFallback, threads, vad, carry, carryMaxMs, maxTokens), then `samples`
//             16-bit little-endian mono 16 kHz samples
//   reply:    one line of JSON: {"id":…, "model":{"vocab":…}, "result":{"language":…},
//             "transcription":[…segments with tokens…], "log":[timing and VAD lines]}
//             and, when a `carry` request stopped after its first encoder run,
//             "carry":{"stopMs":…} (where decoding stopped, in the request's audio time)
//             or {"id":…, "error":{"code":…, "message":…}}
//   end:      end of standard input -> exit 0
// Nothing is written to disk: the audio lives in memory for one request and is wiped after.
#include "whisper.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif
#ifdef __linux__
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

namespace {

// ------------------------------------------------------------------ JSON out

void put_escaped(std::string & out, const char * text) {
    out += '"';
    for (const unsigned char * p = reinterpret_cast<const unsigned char *>(text); *p; ++p) {
        const unsigned char c = *p;
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

void put_number(std::string & out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    out += buf;
}

void write_line(const std::string & line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void write_error(const std::string & id, const char * code, const std::string & message) {
    std::string out = "{\"id\":" + id + ",\"error\":{\"code\":";
    put_escaped(out, code);
    out += ",\"message\":";
    put_escaped(out, message.c_str());
    out += "}}";
    write_line(out);
}

// ------------------------------------------------------------------ JSON in (a flat object)

struct Value {
    enum Kind { STRING, NUMBER, BOOL, NUL } kind = NUL;
    std::string text;   // STRING, or the raw text of a NUMBER (to echo the id as sent)
    double number = 0;
    bool flag = false;
};

void put_utf8(std::string & out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class FlatParser {
public:
    explicit FlatParser(const std::string & s) : s_(s) {}

    // A flat object of string, number, boolean and null values; nested values are refused.
    bool parse(std::map<std::string, Value> & out, std::string & error) {
        skip();
        if (!eat('{')) return fail(error, "the request is not a JSON object");
        skip();
        if (eat('}')) return end(error);
        for (;;) {
            std::string key;
            skip();
            if (!string(key)) return fail(error, "a key is not a string");
            skip();
            if (!eat(':')) return fail(error, "a key has no value");
            skip();
            Value v;
            if (!value(v)) return fail(error, "the value of \"" + key + "\" is not a string, number or boolean");
            out[key] = v;
            skip();
            if (eat(',')) continue;
            if (eat('}')) return end(error);
            return fail(error, "the object is not closed");
        }
    }

private:
    const std::string & s_;
    size_t i_ = 0;

    static bool fail(std::string & error, const std::string & why) {
        error = why;
        return false;
    }
    bool end(std::string & error) {
        skip();
        return i_ == s_.size() ? true : fail(error, "text follows the object");
    }
    void skip() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool hex4(unsigned & cp) {
        if (i_ + 4 > s_.size()) return false;
        cp = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            cp <<= 4;
            if (c >= '0' && c <= '9') cp |= c - '0';
            else if (c >= 'a' && c <= 'f') cp |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') cp |= c - 'A' + 10;
            else return false;
        }
        return true;
    }
    bool string(std::string & out) {
        if (!eat('"')) return false;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) return false;
            const char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp;
                    if (!hex4(cp)) return false;
                    // A surrogate pair makes one code point.
                    if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
                        i_ += 2;
                        unsigned low;
                        if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    put_utf8(out, cp);
                    break;
                }
                default: return false;
            }
        }
        return false;
    }
    bool value(Value & v) {
        if (i_ >= s_.size()) return false;
        const char c = s_[i_];
        if (c == '"') {
            v.kind = Value::STRING;
            return string(v.text);
        }
        if (s_.compare(i_, 4, "true") == 0) {
            i_ += 4;
            v.kind = Value::BOOL;
            v.flag = true;
            return true;
        }
        if (s_.compare(i_, 5, "false") == 0) {
            i_ += 5;
            v.kind = Value::BOOL;
            return true;
        }
        if (s_.compare(i_, 4, "null") == 0) {
            i_ += 4;
            return true;
        }
        const size_t start = i_;
        while (i_ < s_.size() && std::strchr("+-0123456789.eE", s_[i_])) ++i_;
        if (i_ == start) return false;
        v.kind = Value::NUMBER;
        v.text = s_.substr(start, i_ - start);
        char * endp = nullptr;
        v.number = std::strtod(v.text.c_str(), &endp);
        return endp && *endp == '\0' && std::isfinite(v.number);
    }
};

// ------------------------------------------------------------------ whisper's log

// whisper and ggml log through one callback: every line still goes to stderr (the engine
// log the client keeps for errors and --verbose), and during a request the timing and VAD
// summary lines are kept to be sent back with the result.
struct LogCapture {
    bool active = false;
    std::string partial;
    std::vector<std::string> lines;
    std::vector<std::string> load_tail;  // before "ready": why a load failed
    bool no_tensors = false;
};
LogCapture g_log;

void on_log(enum ggml_log_level level, const char * text, void *) {
    (void) level;
    std::fputs(text, stderr);
    g_log.partial += text;
    size_t nl;
    while ((nl = g_log.partial.find('\n')) != std::string::npos) {
        std::string line = g_log.partial.substr(0, nl);
        g_log.partial.erase(0, nl + 1);
        if (line.find("no tensors loaded from model file") != std::string::npos) g_log.no_tensors = true;
        if (g_log.active) {
            if (line.find("speech segments") != std::string::npos || line.find("time =") != std::string::npos ||
                line.find("fallbacks =") != std::string::npos) {
                g_log.lines.push_back(line);
            }
        } else {
            g_log.load_tail.push_back(line);
            if (g_log.load_tail.size() > 40) g_log.load_tail.erase(g_log.load_tail.begin());
        }
    }
}

// ------------------------------------------------------------------ requests

const long MAX_SAMPLES = 16000L * 60 * 30;  // 30 minutes: far above a ~30 s window

bool read_line(std::string & line) {
    line.clear();
    for (;;) {
        const int c = std::getc(stdin);
        if (c == EOF) return !line.empty();
        if (c == '\n') return true;
        line += static_cast<char>(c);
        if (line.size() > (1 << 20)) {  // a header is small; this is not one
            while ((std::getc(stdin)) != '\n' && !std::feof(stdin)) {}
            line = "\x01";
            return true;
        }
    }
}

/** Reads (and discards when `keep` is null) n samples; false at a premature end of input. */
bool read_samples(long n, std::vector<int16_t> * keep) {
    std::vector<int16_t> scratch;
    std::vector<int16_t> & buf = keep ? *keep : scratch;
    const long step = keep ? n : std::min<long>(n, 16000);
    buf.resize(static_cast<size_t>(std::max<long>(step, 0)));
    long done = 0;
    while (done < n) {
        const long want = keep ? n - done : std::min<long>(step, n - done);
        int16_t * at = keep ? buf.data() + done : buf.data();
        const size_t got = std::fread(at, sizeof(int16_t), static_cast<size_t>(want), stdin);
        if (got == 0) return false;
        done += static_cast<long>(got);
    }
    return true;
}

std::string str_or(const std::map<std::string, Value> & h, const char * key, const std::string & fallback) {
    auto it = h.find(key);
    return it != h.end() && it->second.kind == Value::STRING ? it->second.text : fallback;
}

bool has_number(const std::map<std::string, Value> & h, const char * key, double & out) {
    auto it = h.find(key);
    if (it == h.end() || it->second.kind != Value::NUMBER) return false;
    out = it->second.number;
    return true;
}

bool flag_or(const std::map<std::string, Value> & h, const char * key, bool fallback) {
    auto it = h.find(key);
    return it != h.end() && it->second.kind == Value::BOOL ? it->second.flag : fallback;
}

/** The number of UTF-8 continuation bytes `text` still waits for at its end. */
int utf8_missing(const std::string & text) {
    int i = static_cast<int>(text.size()) - 1;
    int seen = 0;
    while (i >= 0 && seen < 4) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80) {
            const int need = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
            return need > seen ? need - seen : 0;
        }
        ++seen;
        --i;
    }
    return 0;
}

void put_times(std::string & out, int64_t t0, int64_t t1) {
    // whisper counts in 10 ms steps; the result is in ms like whisper-cli's "offsets".
    out += "\"offsets\":{\"from\":" + std::to_string(t0 * 10) + ",\"to\":" + std::to_string(t1 * 10) + "}";
}

std::string result_json(whisper_context * ctx, const std::string & id) {
    std::string out = "{\"id\":" + id + ",\"model\":{\"vocab\":" + std::to_string(whisper_model_n_vocab(ctx)) +
                      ",\"multilingual\":" + (whisper_is_multilingual(ctx) ? "true" : "false") +
                      "},\"result\":{\"language\":";
    const int lang = whisper_full_lang_id(ctx);
    put_escaped(out, lang >= 0 ? whisper_lang_str(lang) : "unknown");
    out += "},\"transcription\":[";
    const int n_segments = whisper_full_n_segments(ctx);
    for (int i = 0; i < n_segments; ++i) {
        if (i) out += ',';
        out += '{';
        put_times(out, whisper_full_get_segment_t0(ctx, i), whisper_full_get_segment_t1(ctx, i));
        out += ",\"text\":";
        put_escaped(out, whisper_full_get_segment_text(ctx, i));
        out += ",\"tokens\":[";
        // A character split over two tokens is sent whole (its bytes joined), so the line is valid UTF-8.
        const int n_tokens = whisper_full_n_tokens(ctx, i);
        bool first = true;
        for (int j = 0; j < n_tokens;) {
            const whisper_token_data data = whisper_full_get_token_data(ctx, i, j);
            std::string text = whisper_token_to_str(ctx, data.id);
            int64_t t1 = data.t1;
            for (++j; j < n_tokens && utf8_missing(text) > 0; ++j) {
                const whisper_token_data next = whisper_full_get_token_data(ctx, i, j);
                text += whisper_token_to_str(ctx, next.id);
                if (next.t1 > -1) t1 = next.t1;
            }
            if (!first) out += ',';
            first = false;
            out += "{\"text\":";
            put_escaped(out, text.c_str());
            if (data.t0 > -1 && t1 > -1) {
                out += ',';
                put_times(out, data.t0, t1);
            }
            out += ",\"id\":" + std::to_string(data.id) + ",\"p\":";
            put_number(out, data.p);
            out += '}';
        }
        out += "]}";
    }
    out += "],\"log\":[";
    for (size_t k = 0; k < g_log.lines.size(); ++k) {
        if (k) out += ',';
        put_escaped(out, g_log.lines[k].c_str());
    }
    out += "]}";
    return out;
}

// "carry": only the request's first encoder run is allowed. When whisper's decoding of its first
// 30 s stops before the end of the audio (at the last timestamp), whisper would seek there and pay
// a whole encoder run for the few seconds left; instead it stops, and the caller sends that tail
// again at the front of its next request (as whisper-cli on the whole file would carry on into the
// next speech). Never when nothing was decoded (no progress: it would come back forever) nor when
// the tail is longer than carryMaxMs (then it is decoded here, normally).
struct CarryGate {
    bool carry = false;
    int runs = 0;
    int64_t total_cs = 0;     // the request's audio, in whisper's 10 ms steps
    int64_t max_tail_cs = 0;
    bool stopped = false;
    int64_t stop_cs = 0;      // in the request's audio time (whisper maps VAD times back)
};

bool on_encoder_begin(whisper_context *, whisper_state * state, void * data) {
    CarryGate & gate = *static_cast<CarryGate *>(data);
    ++gate.runs;
    if (!gate.carry || gate.runs == 1) return true;
    gate.carry = false;  // decided once: after this, whisper goes on normally to the end
    const int n = whisper_full_n_segments_from_state(state);
    if (n == 0) return true;
    const int64_t stop = whisper_full_get_segment_t1_from_state(state, n - 1);
    const int64_t tail = gate.total_cs - stop;
    if (stop <= 0 || tail <= 0 || tail > gate.max_tail_cs) return true;
    gate.stopped = true;
    gate.stop_cs = stop;
    return false;
}

int usage() {
    std::fprintf(stderr, "usage: greffier-whisper-host -m MODEL [--vad-model VAD] [--no-flash-attn]\n");
    return 2;
}

}  // namespace

int main(int argc, char ** argv) {
#ifdef _WIN32
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
#endif
#ifdef __linux__
    // Gone with the app even when it is killed outright while this host is frozen
    // (SIGSTOP by the scheduler): a frozen host would never read the end of its input.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) return 0;
#endif
    std::string model;
    std::string vad_model;
    bool flash_attn = true;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "-m" || arg == "--model") && i + 1 < argc) model = argv[++i];
        else if ((arg == "-vm" || arg == "--vad-model") && i + 1 < argc) vad_model = argv[++i];
        else if (arg == "-nfa" || arg == "--no-flash-attn") flash_attn = false;
        else return usage();
    }
    if (model.empty()) return usage();

    whisper_log_set(on_log, nullptr);

    whisper_context_params cparams = whisper_context_default_params();
    cparams.flash_attn = flash_attn;
    whisper_context * ctx = whisper_init_from_file_with_params(model.c_str(), cparams);
    auto load_failed = [&](const char * reason) {
        std::string out = "{\"event\":\"load-failed\",\"reason\":";
        put_escaped(out, reason);
        out += ",\"log\":[";
        for (size_t k = 0; k < g_log.load_tail.size(); ++k) {
            if (k) out += ',';
            put_escaped(out, g_log.load_tail[k].c_str());
        }
        out += "]}";
        write_line(out);
        return 3;
    };
    if (!ctx) return load_failed("model");
    // whisper takes a file cut before its first tensor for an empty test model: refused.
    if (g_log.no_tensors) {
        whisper_free(ctx);
        return load_failed("no-tensors");
    }
    if (!vad_model.empty()) {
        // Loaded here once to refuse a bad file at start; whisper keeps its own after the first window.
        whisper_vad_context * vctx =
            whisper_vad_init_from_file_with_params(vad_model.c_str(), whisper_vad_default_context_params());
        if (!vctx) {
            whisper_free(ctx);
            return load_failed("vad-model");
        }
        whisper_vad_free(vctx);
    }
    {
        std::string ready = "{\"event\":\"ready\",\"vocab\":" + std::to_string(whisper_model_n_vocab(ctx)) +
                            ",\"system\":";
        put_escaped(ready, whisper_print_system_info());
        ready += '}';
        write_line(ready);
    }

    std::vector<int16_t> pcm;
    std::vector<float> audio;
    std::string line;
    while (read_line(line)) {
        if (line.empty() || line == "\r") continue;
        std::map<std::string, Value> header;
        std::string why;
        if (line == "\x01" || !FlatParser(line).parse(header, why)) {
            // Without a readable header the payload's length is unknown: taken as none.
            write_error("null", "bad-request", line == "\x01" ? "the request line is too long" : "the request line is not valid JSON: " + why);
            continue;
        }
        auto idv = header.find("id");
        const std::string id = idv != header.end() && idv->second.kind == Value::NUMBER ? idv->second.text : "null";
        double n = -1;
        if (!has_number(header, "samples", n) || n < 0 || n != std::floor(n)) {
            write_error(id, "bad-request", "\"samples\" must be a whole number of 0 or more");
            continue;
        }
        const long count = static_cast<long>(n);
        if (count > MAX_SAMPLES) {
            if (!read_samples(count, nullptr)) break;
            write_error(id, "bad-request", "a request holds at most 30 minutes of audio");
            continue;
        }
        if (!read_samples(count, &pcm)) break;  // the client went away mid-request

        const std::string language = str_or(header, "language", "auto");
        const std::string prompt = str_or(header, "prompt", "");
        double threads = 4, audio_ctx = 0, beam_size = 5, best_of = 5;
        has_number(header, "threads", threads);
        has_number(header, "audioContext", audio_ctx);
        has_number(header, "beamSize", beam_size);
        has_number(header, "bestOf", best_of);
        const bool no_fallback = flag_or(header, "noFallback", false);
        const bool use_vad = flag_or(header, "vad", !vad_model.empty());
        const bool carry = flag_or(header, "carry", false);
        double carry_max_ms = 20000;
        has_number(header, "carryMaxMs", carry_max_ms);
        // A bound on what one utterance can hold (a spoken question): whisper stops a
        // repetition loop there instead of decoding up to half its text context.
        double max_tokens = 0;
        has_number(header, "maxTokens", max_tokens);
        std::string invalid;
        if (language != "auto" && whisper_lang_id(language.c_str()) == -1) invalid = "unknown language \"" + language + "\"";
        else if (threads < 1 || threads > 256) invalid = "\"threads\" must be between 1 and 256";
        else if (audio_ctx < 0 || audio_ctx > 1500) invalid = "\"audioContext\" must be between 0 and 1500";
        else if (beam_size < 1 || beam_size > 8 || best_of < 1 || best_of > 8) invalid = "\"beamSize\" and \"bestOf\" must be between 1 and 8";
        else if (carry_max_ms < 0 || carry_max_ms > 600000) invalid = "\"carryMaxMs\" must be between 0 and 600000";
        else if (max_tokens < 0 || max_tokens > 224 || max_tokens != std::floor(max_tokens)) invalid = "\"maxTokens\" must be a whole number between 0 and 224";
        else if (max_tokens > 0 && carry) invalid = "\"maxTokens\" and \"carry\" cannot go together";
        else if (use_vad && vad_model.empty()) invalid = "VAD was asked for but the host has no VAD model";
        if (!invalid.empty()) {
            std::fill(pcm.begin(), pcm.end(), 0);
            write_error(id, "bad-request", invalid);
            continue;
        }

        if (count == 0) {
            // Nothing to hear: whisper is not asked (its VAD wants at least one frame).
            write_line("{\"id\":" + id + ",\"model\":{\"vocab\":" + std::to_string(whisper_model_n_vocab(ctx)) +
                       "},\"result\":{\"language\":\"" + (language == "auto" ? std::string("unknown") : language) +
                       "\"},\"transcription\":[],\"log\":[]}");
            continue;
        }
        audio.resize(pcm.size());
        for (size_t k = 0; k < pcm.size(); ++k) audio[k] = static_cast<float>(pcm[k]) / 32768.0f;
        std::fill(pcm.begin(), pcm.end(), 0);

        // whisper-cli's choices for each option, so a window gives what whisper-cli gives.
        whisper_full_params wparams = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
        wparams.strategy = beam_size > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY;
        wparams.print_realtime = false;
        wparams.print_progress = false;
        wparams.print_timestamps = true;
        wparams.print_special = false;
        wparams.translate = false;
        wparams.language = language.c_str();
        wparams.detect_language = false;
        wparams.n_threads = static_cast<int>(threads);
        wparams.offset_ms = 0;
        wparams.duration_ms = 0;
        wparams.token_timestamps = true;
        wparams.thold_pt = 0.01f;
        wparams.max_len = 0;
        wparams.split_on_word = false;
        wparams.audio_ctx = static_cast<int>(audio_ctx);
        wparams.tdrz_enable = false;
        if (max_tokens > 0) {
            // One utterance, one segment: at the bound whisper ends the segment and the
            // whole window is done (no second pass over what is left of it).
            wparams.single_segment = true;
            wparams.max_tokens = static_cast<int>(max_tokens);
        }
        wparams.initial_prompt = prompt.c_str();
        wparams.carry_initial_prompt = false;
        wparams.greedy.best_of = static_cast<int>(best_of);
        wparams.beam_search.beam_size = static_cast<int>(beam_size);
        wparams.temperature = 0.0f;
        wparams.temperature_inc = no_fallback ? 0.0f : 0.2f;
        wparams.entropy_thold = 2.40f;
        wparams.logprob_thold = -1.00f;
        wparams.no_speech_thold = 0.6f;
        wparams.no_timestamps = false;
        wparams.suppress_nst = false;
        wparams.vad = use_vad;
        wparams.vad_model_path = vad_model.c_str();
        wparams.vad_params.threshold = 0.5f;
        wparams.vad_params.min_speech_duration_ms = 250;
        wparams.vad_params.min_silence_duration_ms = 100;
        wparams.vad_params.max_speech_duration_s = FLT_MAX;
        wparams.vad_params.speech_pad_ms = 30;
        wparams.vad_params.samples_overlap = 0.1f;

        CarryGate gate;
        gate.carry = carry;
        gate.total_cs = static_cast<int64_t>(audio.size()) / 160;
        gate.max_tail_cs = static_cast<int64_t>(carry_max_ms / 10);
        wparams.encoder_begin_callback = on_encoder_begin;
        wparams.encoder_begin_callback_user_data = &gate;

        g_log.lines.clear();
        g_log.active = true;
        whisper_reset_timings(ctx);
        const int status = whisper_full(ctx, wparams, audio.data(), static_cast<int>(audio.size()));
        whisper_print_timings(ctx);
        g_log.active = false;
        std::fill(audio.begin(), audio.end(), 0.0f);
        if (status != 0) {
            write_error(id, "whisper-failed", "whisper could not transcribe this audio (code " + std::to_string(status) + ")");
            continue;
        }
        std::string reply = result_json(ctx, id);
        if (gate.stopped) {
            reply.pop_back();  // the closing brace: the carry goes inside the object
            reply += ",\"carry\":{\"stopMs\":" + std::to_string(gate.stop_cs * 10) + "}}";
        }
        write_line(reply);
    }
    whisper_free(ctx);
    return 0;
}
