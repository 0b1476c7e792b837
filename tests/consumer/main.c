/*
 * An out-of-tree program built against an *installed* libcosmosb, once through
 * find_package(cosmosb CONFIG) and once through pkg-config (see run.sh).
 * It checks the version, the error strings, and one pipe round trip:
 * create, attach a producer from the pipe's descriptors, send, receive, compare,
 * fill until COSMOSB_EFULL, drain, close.
 */
#include <cosmosb/cosmosb.h>

#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "consumer: %s:%d: check failed: %s\n", __FILE__,     \
                    __LINE__, #cond);                                            \
            return 1;                                                            \
        }                                                                        \
    } while (0)

#define CHECK_RC(expr)                                                           \
    do {                                                                         \
        int rc_ = (expr);                                                        \
        if (rc_ != COSMOSB_OK) {                                                 \
            fprintf(stderr, "consumer: %s:%d: %s -> %d %s (%s)\n", __FILE__,     \
                    __LINE__, #expr, rc_, cosmosb_err_name(rc_),                 \
                    cosmosb_strerror(rc_));                                      \
            return 1;                                                            \
        }                                                                        \
    } while (0)

#define STR_(x) #x
#define STR(x) STR_(x)

static int run(cosmosb_pipe_t *consumer, cosmosb_pipe_t *producer)
{
    static const char hello[] = "hello from an installed libcosmosb";
    char buf[64];
    cosmosb_msg_info_t info;
    uint32_t sent = 0, received = 0;
    int rc;

    CHECK(cosmosb_pipe_role(consumer) == COSMOSB_ROLE_CONSUMER);
    CHECK(cosmosb_pipe_role(producer) == COSMOSB_ROLE_PRODUCER);

    CHECK_RC(cosmosb_pipe_send(producer, 42, hello, (uint32_t)sizeof hello, 0, COSMOSB_TIMEOUT_NONE));
    memset(buf, 0, sizeof buf);
    memset(&info, 0, sizeof info);
    CHECK_RC(cosmosb_pipe_recv(consumer, buf, (uint32_t)sizeof buf, &info, 1000000000u));
    CHECK(info.type_id == 42);
    CHECK(info.len == sizeof hello);
    CHECK(memcmp(buf, hello, sizeof hello) == 0);

    /* Empty now: a non-waiting receive says so. */
    rc = cosmosb_pipe_recv(consumer, buf, (uint32_t)sizeof buf, &info, COSMOSB_TIMEOUT_NONE);
    CHECK(rc == COSMOSB_EAGAIN);

    /* Fill the normal lane until the non-waiting send reports COSMOSB_EFULL. */
    for (;;) {
        uint32_t v = sent;
        rc = cosmosb_pipe_send(producer, 7, &v, (uint32_t)sizeof v, 0, COSMOSB_TIMEOUT_NONE);
        if (rc != COSMOSB_OK)
            break;
        sent++;
        CHECK(sent <= 1024);
    }
    CHECK(rc == COSMOSB_EFULL);
    CHECK(sent >= 1);

    /* Drain: every message arrives once, in order. */
    for (;;) {
        uint32_t v = 0;
        rc = cosmosb_pipe_recv(consumer, &v, (uint32_t)sizeof v, &info, COSMOSB_TIMEOUT_NONE);
        if (rc == COSMOSB_EAGAIN)
            break;
        CHECK_RC(rc);
        CHECK(info.type_id == 7);
        CHECK(v == received);
        received++;
    }
    CHECK(received == sent);
    printf("consumer: round trip ok; %u messages filled the pipe, then \"%s\"\n",
           (unsigned)sent, cosmosb_strerror(COSMOSB_EFULL));
    return 0;
}

int main(void)
{
    const char *version = cosmosb_version_string();
    const char *full = cosmosb_strerror(COSMOSB_EFULL);
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_t *consumer = NULL, *producer = NULL;
    int result;

    printf("consumer: libcosmosb %s (headers %s)\n", version ? version : "(null)",
           STR(COSMOSB_VERSION_MAJOR) "." STR(COSMOSB_VERSION_MINOR) "." STR(COSMOSB_VERSION_PATCH));
    CHECK(version != NULL);
    CHECK(strcmp(version, STR(COSMOSB_VERSION_MAJOR) "." STR(COSMOSB_VERSION_MINOR) "."
                          STR(COSMOSB_VERSION_PATCH)) == 0);
    CHECK(cosmosb_version() == (uint32_t)COSMOSB_VERSION_HEX);
    CHECK(full != NULL && strcmp(full, cosmosb_strerror(12345)) != 0);
    CHECK(strcmp(cosmosb_err_name(COSMOSB_EFULL), "COSMOSB_EFULL") == 0);
    printf("consumer: COSMOSB_EFULL means \"%s\"\n", full);

    CHECK_RC(cosmosb_pipe_config_init(&cfg));
    cfg.capacity = 16;
    cfg.slot_size = 64;
    CHECK_RC(cosmosb_pipe_create(&cfg, &consumer));
    CHECK(cosmosb_pipe_fd(consumer) >= 0);
    CHECK_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(consumer), cosmosb_pipe_eventfd(consumer), &producer));

    result = run(consumer, producer);

    cosmosb_pipe_close(producer);
    cosmosb_pipe_close(consumer);
    if (result == 0)
        printf("consumer: OK\n");
    return result;
}
