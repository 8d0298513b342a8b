using System.Buffers;

namespace NetworkEmulation;

/// <summary>Bytes read from one side (or its end of stream, or its reset), waiting for their due time.</summary>
internal sealed class Chunk
{
    public Chunk(ChunkKind kind, byte[]? buffer, int length, long due)
    {
        Kind = kind;
        Buffer = buffer;
        Length = length;
        Due = due;
    }

    public ChunkKind Kind { get; }

    /// <summary>Rented from <see cref="ArrayPool{T}.Shared"/>; returned once the bytes have left.</summary>
    public byte[]? Buffer { get; private set; }

    public int Length { get; }

    /// <summary>The bytes already sent when a send could only take part of the chunk.</summary>
    public int Sent { get; set; }

    public long Due { get; }

    public ReadOnlyMemory<byte> Remaining => Buffer.AsMemory(Sent, Length - Sent);

    public void Return()
    {
        if (Buffer is { } buffer)
        {
            Buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
