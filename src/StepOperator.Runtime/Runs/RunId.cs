using System;
using System.Security.Cryptography;

namespace StepOperator.Runs;

/// <summary>Run ids sort by start time and are unique: 20261126-181500-3f9a2c.</summary>
internal static class RunId
{
    public static string New(DateTimeOffset now) =>
        $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
}
