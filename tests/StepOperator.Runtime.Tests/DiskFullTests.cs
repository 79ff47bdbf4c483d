using System.Diagnostics;
using StepOperator.Artifacts;

namespace StepOperator.Runtime.Tests;

/// <summary>
/// Needs a small tmpfs (Linux, as root). In CI (CI=true, which runs as root) it always runs, so a machine
/// that cannot mount fails it; elsewhere it is skipped with the reason.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!inCi && (!OperatingSystem.IsLinux() || Environment.UserName != "root"))
        {
            Skip = "needs Linux and root to mount a small tmpfs (CI runs it as root)";
        }
    }
}

public class DiskFullTests
{
    [TmpfsFact]
    public async Task A_full_disk_gives_a_clear_error_and_never_a_partial_artifact()
    {
        var mountPoint = Directory.CreateTempSubdirectory("stepoperator-full-").FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint);
        try
        {
            var store = new LocalArtifactStore(mountPoint);
            var small = ArtifactKey.Parse("run/steps/a/output.json");
            await store.WriteAsync(small, (s, ct) => s.WriteAsync("{\"fits\":true}"u8.ToArray(), ct).AsTask(), CancellationToken.None);

            var big = ArtifactKey.Parse("run/steps/b/output.bin");
            var error = await Assert.ThrowsAsync<ArtifactStoreFullException>(() =>
                store.WriteAsync(big, (s, ct) => s.WriteAsync(new byte[1024 * 1024], ct).AsTask(), CancellationToken.None));
            Assert.Contains($"The local artifact store at {mountPoint} is out of disk space", error.Message);
            Assert.Contains("'run/steps/b/output.bin' was not written", error.Message);
            Assert.Contains("Free space", error.Message);

            Assert.False(await store.ExistsAsync(big, CancellationToken.None));
            Assert.Empty(Directory.GetFiles(mountPoint, "*.partial", SearchOption.AllDirectories));
            Assert.True(await store.ExistsAsync(small, CancellationToken.None)); // what was there is not lost
            await using var read = await store.OpenReadAsync(small, CancellationToken.None);
            Assert.Equal("{\"fits\":true}", await new StreamReader(read).ReadToEndAsync());
        }
        finally
        {
            Run("umount", mountPoint);
            Directory.Delete(mountPoint);
        }
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} failed: {error}");
    }
}
