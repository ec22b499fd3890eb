#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delivers every byte, each way, DELAY_MS after it arrived: a link with that one-way
latency and no bandwidth limit of its own, for timing protocols that wait for answers (SFTP) as on a far server.

    delay_proxy.py TARGET_PORT DELAY_MS      prints "port=N" once it listens
"""
import asyncio
import sys

target_port, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000


async def pump(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.write_eof() if writer.can_write_eof() else writer.close()
                return
            writer.write(data)
            await writer.drain()

    delivering = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(1 << 16)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await delivering
    except ConnectionError:
        delivering.cancel()


async def connection(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer),
                         return_exceptions=True)
    client_writer.close()
    server_writer.close()


async def main():
    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    print(f"port={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
