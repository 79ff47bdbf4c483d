using System;

namespace StepOperator.ModalEmulator.Common;

/// <summary>Moments as Modal's messages carry them: seconds since the Unix epoch, as a double.</summary>
internal static class UnixTime
{
    public static long Microseconds(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks / 10;

    public static double Seconds(DateTimeOffset at) => Microseconds(at) / 1_000_000.0;

    public static DateTimeOffset FromMicroseconds(long microseconds) => DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
}
