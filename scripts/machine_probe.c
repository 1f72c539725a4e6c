// What state the machine is in, for reading timings taken on a shared VM.
//
//     gcc -O2 -o /tmp/machine_probe scripts/machine_probe.c && /tmp/machine_probe
//     /tmp/machine_probe cpu & /tmp/machine_probe cpu; wait    # the loop alone, on both cores
//
// Prints the time of a loop that stays in registers (the core's own speed), then the latency
// of a random pointer chase over 256 KiB, 4 MiB, 16 MiB and 64 MiB (each level of the memory
// hierarchy: L2, the L3 share left to this VM, memory). On the 2-core VM the project was
// measured on, the loop stayed at 0.44 s all day while the 4 MiB chase moved between 15 and
// 120 ns from minute to minute: the neighbours on the host share the L3 cache, and when they
// take it, pagesift (whose word cache, lexicons and DFA live there) slows down with it.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    double start = now();
    uint64_t x = 1;
    for (long i = 0; i < 400000000L; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    printf("cpu loop %.3f s (%llu)", now() - start, (unsigned long long)(x & 1));
    if (argc > 1 && argv[1][0] == 'c') {
        printf("\n");
        return 0;
    }
    const size_t sizes[] = {256 << 10, 4 << 20, 16 << 20, 64 << 20};
    for (int s = 0; s < 4; s++) {
        size_t n = sizes[s] / sizeof(size_t);
        size_t *next = malloc(n * sizeof(size_t));
        if (next == NULL) {
            return 1;
        }
        // One random cycle through every slot (Sattolo's shuffle), so no prefetcher can guess.
        for (size_t i = 0; i < n; i++) {
            next[i] = i;
        }
        srand(1);
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = ((size_t)rand() * RAND_MAX + rand()) % i;
            size_t t = next[i];
            next[i] = next[j];
            next[j] = t;
        }
        const long steps = 20000000;
        size_t p = 0;
        start = now();
        for (long i = 0; i < steps; i++) {
            p = next[p];
        }
        double ns = (now() - start) / steps * 1e9;
        printf(" | chase %zu KiB %.1f ns%s", sizes[s] >> 10, ns, p == (size_t)-1 ? "!" : "");
        free(next);
    }
    printf("\n");
    return 0;
}
