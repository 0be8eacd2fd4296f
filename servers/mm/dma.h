/*
 * dma.h - DMA memory requests (ipc/mm.h: MM_DMA_*), served by dma.c.
 */
#ifndef MM_DMA_H
#define MM_DMA_H

#include <ipc/server.h>

/* Every MM_DMA_* label: decode, check, act; the reply in m. */
int dma_request(struct ipc_msg *m, void *unused);

#endif
