namespace NearCaching;

/// <summary>What a near cache did since it was created, and what it holds now.</summary>
/// <param name="LocalReads">Reads answered with the local copy (in Coherent mode: after the server confirmed it).</param>
/// <param name="ServerReads">Reads whose value came from the server (a miss, a changed value, or tracking not armed).</param>
/// <param name="Invalidations">Local copies dropped because the key changed (server invalidations, failed checks, <see cref="NearCache.Forget"/>).</param>
/// <param name="Flushes">Times every local copy was dropped at once (tracking lost or re-armed, a server FLUSHALL, <see cref="NearCache.Clear"/>).</param>
/// <param name="Evictions">Local copies dropped to stay within <see cref="NearCacheOptions.MaxEntries"/> and <see cref="NearCacheOptions.MaxBytes"/>.</param>
/// <param name="Entries">Local copies held now.</param>
/// <param name="Bytes">Bytes charged for them now (values, keys and a fixed overhead per entry).</param>
/// <param name="IsArmed">
/// Tracking mode: whether tracking is on for every master right now (local copies are kept and served only then);
/// always true in Coherent mode.
/// </param>
/// <param name="Arms">Tracking mode: how many times tracking was (re-)armed; 0 in Coherent mode.</param>
public readonly record struct NearCacheStatistics(
    long LocalReads,
    long ServerReads,
    long Invalidations,
    long Flushes,
    long Evictions,
    int Entries,
    long Bytes,
    bool IsArmed,
    long Arms);
