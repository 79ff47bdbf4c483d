using System.Globalization;

namespace StepOperator.ModalEmulator.Common;

/// <summary>
/// Log entry ids in the "N-M" shape of Modal's (Redis stream) ids, so "0-0" means "from the start".
/// Here N is the entry's position in its journal (1 for the first entry) and M is always 0.
/// </summary>
internal static class EntryIds
{
    public const string Start = "0-0";

    public static string Format(long sequence) => sequence.ToString(CultureInfo.InvariantCulture) + "-0";

    /// <summary>The sequence an id names; empty or unreadable ids mean the start.</summary>
    public static long Parse(string? entryId)
    {
        if (string.IsNullOrEmpty(entryId))
        {
            return 0;
        }

        var dash = entryId.IndexOf('-');
        var head = dash < 0 ? entryId : entryId[..dash];
        return long.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : 0;
    }
}
