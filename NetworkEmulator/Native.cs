using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NetworkEmulation;

/// <summary>
/// The few libc calls .NET does not expose: absolute-deadline sleeps with 1 ns timer slack (Thread.Sleep and
/// Task.Delay work in whole milliseconds), and receive/send with flags and the kernel's receive timestamp.
/// </summary>
internal static unsafe partial class Native
{
    private const int ClockRealtime = 0;
    private const int ClockMonotonic = 1;
    private const int TimerAbstime = 1;
    private const int PrSetTimerslack = 29;
    private const int SolSocket = 1;
    private const int SoTimestampns = 35;
    private const int ScmTimestampns = SoTimestampns;
    private const int MsgDontwait = 0x40;
    private const int MsgNosignal = 0x4000;
    private const short Pollin = 0x001;
    private const int Eintr = 4;

    /// <summary>errno of a call that would have blocked (EAGAIN).</summary>
    public const int WouldBlock = 11;

    /// <summary>errno of a connection the peer reset (ECONNRESET).</summary>
    public const int ConnectionReset = 104;

    /// <summary>Now on CLOCK_MONOTONIC, in nanoseconds: the clock every deadline is set on.</summary>
    public static long MonotonicNow()
    {
        Timespec ts;
        clock_gettime(ClockMonotonic, &ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    private static long RealtimeNow()
    {
        Timespec ts;
        clock_gettime(ClockRealtime, &ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    /// <summary>Sleeps until an absolute CLOCK_MONOTONIC deadline (in nanoseconds); early returns are the caller's to handle.</summary>
    public static void SleepUntil(long deadline)
    {
        var ts = new Timespec { Seconds = deadline / 1_000_000_000L, Nanoseconds = deadline % 1_000_000_000L };
        clock_nanosleep(ClockMonotonic, TimerAbstime, &ts, null);
    }

    /// <summary>Sets this thread's timer slack to 1 ns, so the kernel does not batch its wake-ups 50 µs late.</summary>
    public static void SetMinimalTimerSlack() => prctl(PrSetTimerslack, 1, 0, 0, 0);

    /// <summary>Asks the kernel to stamp every received segment (SO_TIMESTAMPNS); false where it refuses.</summary>
    public static bool EnableReceiveTimestamps(Socket socket)
    {
        var one = 1;
        return setsockopt(socket.SafeHandle, SolSocket, SoTimestampns, &one, sizeof(int)) == 0;
    }

    /// <summary>Waits until the socket is readable (or shut down): the reader's only blocking call.</summary>
    public static void WaitReadable(SafeHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var fd = new PollFd { Fd = (int)socket.DangerousGetHandle(), Events = Pollin };
            while (poll(&fd, 1, -1) < 0 && Marshal.GetLastPInvokeError() == Eintr)
            {
            }
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>
    /// A non-blocking receive that also returns when the data reached the kernel, on CLOCK_MONOTONIC (the kernel
    /// stamps on CLOCK_REALTIME), or the time of the read when the kernel gave no stamp (<paramref name="stamped"/>
    /// false: timestamping turns on a moment after the first socket asks). Returns the byte count, 0 at end of
    /// stream, or -errno.
    /// </summary>
    public static int Receive(SafeHandle socket, Span<byte> buffer, out long arrival, out bool stamped)
    {
        const int ControlSize = 64;
        var control = stackalloc byte[ControlSize];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSize };
            var added = false;
            socket.DangerousAddRef(ref added);
            nint received;
            try
            {
                received = recvmsg((int)socket.DangerousGetHandle(), &message, MsgDontwait);
            }
            finally
            {
                socket.DangerousRelease();
            }

            var error = received < 0 ? Marshal.GetLastPInvokeError() : 0;
            var monotonic = MonotonicNow();
            arrival = monotonic;
            stamped = false;
            if (received < 0)
            {
                return -error;
            }

            var stamp = ReadTimestamp(&message);
            if (stamp > 0)
            {
                // Bounded: across a step of the wall clock (NTP) a stamp must not move a chunk by more than a second.
                arrival = Math.Clamp(stamp - RealtimeOffset(), monotonic - 1_000_000_000, monotonic);
                stamped = true;
            }

            return (int)received;
        }
    }

    /// <summary>
    /// CLOCK_REALTIME minus CLOCK_MONOTONIC, from two monotonic reads around a realtime one that were close together:
    /// a thread preempted between the reads would otherwise misplace a stamp by the whole preemption.
    /// </summary>
    private static long RealtimeOffset()
    {
        var best = long.MaxValue;
        var offset = 0L;
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var before = MonotonicNow();
            var realtime = RealtimeNow();
            var after = MonotonicNow();
            if (after - before < best)
            {
                best = after - before;
                offset = realtime - (before + (after - before) / 2);
            }

            if (best < 2_000)
            {
                break;
            }
        }

        return offset;
    }

    /// <summary>A non-blocking send without SIGPIPE: the byte count, or -errno.</summary>
    public static int Send(SafeHandle socket, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            var added = false;
            socket.DangerousAddRef(ref added);
            try
            {
                var sent = send((int)socket.DangerousGetHandle(), data, (nuint)buffer.Length, MsgDontwait | MsgNosignal);
                return sent < 0 ? -Marshal.GetLastPInvokeError() : (int)sent;
            }
            finally
            {
                socket.DangerousRelease();
            }
        }
    }

    private static long ReadTimestamp(MsgHdr* message)
    {
        var offset = 0;
        var length = (int)message->ControlLength;
        while (offset + sizeof(CmsgHdr) <= length)
        {
            var header = (CmsgHdr*)(message->Control + offset);
            if (header->Length < (nuint)sizeof(CmsgHdr))
            {
                break;
            }

            if (header->Level == SolSocket && header->Type == ScmTimestampns)
            {
                var ts = (Timespec*)((byte*)header + sizeof(CmsgHdr));
                return ts->Seconds * 1_000_000_000L + ts->Nanoseconds;
            }

            offset += (int)((header->Length + 7) & ~(nuint)7);
        }

        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, Timespec* ts);

    [LibraryImport("libc")]
    private static partial int clock_nanosleep(int clock, int flags, Timespec* request, Timespec* remain);

    [LibraryImport("libc")]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc")]
    private static partial int setsockopt(SafeHandle socket, int level, int name, void* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int socket, byte* buffer, nuint length, int flags);
}
