using System.Text;

namespace RedisClient;

/// <summary>Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the key, or of its {hash tag}, modulo 16384.</summary>
public static class HashSlot
{
    /// <summary>The number of slots in a Redis Cluster.</summary>
    public const int Count = 16384;

    private static readonly ushort[] s_table = CreateTable();

    /// <summary>The slot of <paramref name="key"/>.</summary>
    public static int Get(RedisKey key) => key.RawValue switch
    {
        byte[] bytes => Get(bytes),
        string text => GetOfText(text),
        _ => 0,
    };

    /// <summary>The slot of a key given as bytes.</summary>
    public static int Get(ReadOnlySpan<byte> key)
    {
        // Only the part between the first '{' and the next '}' is hashed, when that part is not empty.
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        return Crc16(key) & (Count - 1);
    }

    /// <summary>CRC16-CCITT (XMODEM), the checksum Redis Cluster uses.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
        {
            crc = (ushort)((crc << 8) ^ s_table[((crc >> 8) ^ b) & 0xff]);
        }

        return crc;
    }

    private static int GetOfText(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        if (length <= 256)
        {
            Span<byte> buffer = stackalloc byte[length];
            Encoding.UTF8.GetBytes(text, buffer);
            return Get(buffer);
        }

        return Get(Encoding.UTF8.GetBytes(text));
    }

    private static ushort[] CreateTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }

            table[i] = crc;
        }

        return table;
    }
}
