/*
 * interleave RUNS NAME=COMMAND... — runs the commands one after another, RUNS times, each
 * round in a rotated order, and prints each command's median wall time and the median of its
 * per-round ratio to the first command.
 *
 * hyperfine runs each command's runs in one block: consecutive starts of one binary find its
 * code and data warm in the caches, which favours a binary with a large footprint over a small
 * one. Interleaved, every start follows another program's, as a container's start on a host
 * does; and the paired ratios cancel the drift of a VM's speed within the run.
 *
 * A command is one string, split on spaces (no quoting), its output (stdout and stderr)
 * discarded; a failing run stops everything with exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

enum { MAX_COMMANDS = 8, MAX_ARGUMENTS = 32 };

struct command {
    const char *name;
    char *argv[MAX_ARGUMENTS + 1];
    double *milliseconds;
};

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of `values`, sorted in `scratch` (the runs keep their order: they are paired). */
static double median(const double *values, double *scratch, int count) {
    memcpy(scratch, values, count * sizeof *values);
    qsort(scratch, count, sizeof *scratch, compare);
    return count % 2 ? scratch[count / 2] : (scratch[count / 2 - 1] + scratch[count / 2]) / 2;
}

/* One run of `command`; its wall time in milliseconds, or -1 when it could not run or failed. */
static double run_once(struct command *command, posix_spawn_file_actions_t *actions) {
    pid_t pid;
    double start = now_ms();
    int error = posix_spawnp(&pid, command->argv[0], actions, NULL, command->argv, environ);
    if (error != 0) {
        fprintf(stderr, "interleave: %s: posix_spawnp %s: %s\n", command->name, command->argv[0], strerror(error));
        return -1;
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        perror("interleave: waitpid");
        return -1;
    }
    double elapsed = now_ms() - start;
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "interleave: %s was killed by signal %d\n", command->name, WTERMSIG(status));
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "interleave: %s exited with status %d\n", command->name, WEXITSTATUS(status));
        return -1;
    }
    return elapsed;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: interleave RUNS NAME=COMMAND...\n");
        return 2;
    }
    char *end;
    errno = 0;
    long runs_given = strtol(argv[1], &end, 10);
    int count = argc - 2;
    if (errno != 0 || *end != '\0' || runs_given < 1 || runs_given > 1000000 || count > MAX_COMMANDS) {
        fprintf(stderr, "interleave: RUNS must be a number from 1 to 1000000, and at most %d commands given\n",
                MAX_COMMANDS);
        return 2;
    }
    int runs = (int)runs_given;
    struct command commands[MAX_COMMANDS];
    for (int i = 0; i < count; i++) {
        char *spec = argv[i + 2], *equals = strchr(spec, '=');
        if (!equals) {
            fprintf(stderr, "interleave: '%s' is not NAME=COMMAND\n", spec);
            return 2;
        }
        *equals = '\0';
        commands[i].name = spec;
        int arguments = 0;
        for (char *word = strtok(equals + 1, " "); word; word = strtok(NULL, " ")) {
            if (arguments == MAX_ARGUMENTS) {
                fprintf(stderr, "interleave: %s: more than %d arguments\n", spec, MAX_ARGUMENTS);
                return 2;
            }
            commands[i].argv[arguments++] = word;
        }
        commands[i].argv[arguments] = NULL;
        if (arguments == 0) {
            fprintf(stderr, "interleave: %s: no command\n", spec);
            return 2;
        }
        commands[i].milliseconds = calloc(runs, sizeof(double));
        if (!commands[i].milliseconds) {
            perror("interleave: calloc");
            return 1;
        }
    }
    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (error == 0) error = posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (error == 0) error = posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (error != 0) {
        fprintf(stderr, "interleave: posix_spawn_file_actions: %s\n", strerror(error));
        return 1;
    }

    /* Warm-up: the first runs fill the page cache and any per-user caches. */
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < count; i++)
            if (run_once(&commands[i], &actions) < 0) return 1;
    for (int round = 0; round < runs; round++)
        for (int step = 0; step < count; step++) {
            struct command *command = &commands[(step + round) % count];
            double elapsed = run_once(command, &actions);
            if (elapsed < 0) return 1;
            command->milliseconds[round] = elapsed;
        }

    double *ratios = calloc(runs, sizeof(double)), *scratch = calloc(runs, sizeof(double));
    if (!ratios || !scratch) {
        perror("interleave: calloc");
        return 1;
    }
    for (int i = 0; i < count; i++) {
        for (int round = 0; round < runs; round++)
            ratios[round] = commands[i].milliseconds[round] / commands[0].milliseconds[round];
        printf("%-15s median %7.3f ms   paired ratio to %s %.3f\n", commands[i].name,
               median(commands[i].milliseconds, scratch, runs), commands[0].name, median(ratios, scratch, runs));
    }
    return 0;
}
