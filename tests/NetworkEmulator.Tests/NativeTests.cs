using System.Net;
using System.Net.Sockets;

namespace NetworkEmulator.Tests;

/// <summary>The libc calls the relay's timing rests on.</summary>
public sealed class NativeTests
{
    [Fact]
    public async Task AReceiveIsStampedWhenTheBytesReachedTheKernelNotWhenTheyWereRead()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = await Sockets.ConnectAsync(((IPEndPoint)listener.LocalEndPoint!).Port);
        using var server = listener.Accept();
        Assert.True(Native.EnableReceiveTimestamps(server));

        // The kernel turns timestamping on a moment after the first socket asks: the first reads may carry none.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var beforeSend = Native.MonotonicNow();
            client.Send("stamp"u8);
            Native.WaitReadable(server.SafeHandle);
            var readable = Native.MonotonicNow();
            Thread.Sleep(20);
            var buffer = new byte[16];
            var received = Native.Receive(server.SafeHandle, buffer, out var arrival, out var stamped);

            Assert.Equal(5, received);
            if (stamped)
            {
                // Read 20 ms after the bytes came in, yet placed between the send and the moment they were readable.
                Assert.InRange(arrival, beforeSend, readable);
                return;
            }
        }

        Assert.Fail("No receive carried a kernel timestamp (SO_TIMESTAMPNS).");
    }

    [Fact]
    public void AnAbsoluteSleepDoesNotReturnBeforeItsDeadline()
    {
        Native.SetMinimalTimerSlack();
        var deadline = Native.MonotonicNow() + 2_000_000;

        Native.SleepUntil(deadline);

        Assert.True(Native.MonotonicNow() >= deadline);
    }
}
