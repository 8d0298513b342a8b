namespace NetworkEmulation;

/// <summary>What a chunk carries to the other side.</summary>
internal enum ChunkKind
{
    Data,

    /// <summary>The sender half-closed: the other side gets a FIN after the data before it.</summary>
    EndOfStream,

    /// <summary>The sender reset the connection: the other side gets a reset.</summary>
    Reset,
}
