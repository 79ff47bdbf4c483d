using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Artifacts;

/// <summary>Artifacts as files under a root directory; writes go to a temp file, then move into place.</summary>
internal sealed class LocalArtifactStore : IArtifactStore
{
    private const int BufferSize = 81_920;

    public LocalArtifactStore(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public bool IsRemote => false;

    public IReadOnlyDictionary<string, string> StepEnvironment { get; } = new Dictionary<string, string>();

    public string Location => new Uri(Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar).AbsoluteUri;

    public Task<Stream> OpenReadAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new ArtifactNotFoundException(key, Root);
        }

        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        return Task.FromResult(stream);
    }

    public async Task WriteAsync(ArtifactKey key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".partial";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw new ArtifactStoreFullException(
                $"The local artifact store at {Root} is out of disk space: artifact '{key}' was not written (no partial file is left). " +
                "Free space on that disk, or point the store at a larger one (dotnet run -- artifact-store update <name> --path=<directory>, or --home).", e);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<bool> ExistsAsync(ArtifactKey key, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(key)));

    /// <summary>ENOSPC (28) and EDQUOT (122) on Linux; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.</summary>
    private static bool IsDiskFull(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 0x70 or 0x27 : e.HResult is 28 or 122 || e.Message.Contains("No space left on device", StringComparison.Ordinal);

    /// <summary>The file of a key; keys are validated, and the result is checked to stay under the root.</summary>
    public string PathOf(ArtifactKey key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key.Value));
        var rootWithSeparator = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
        if (!path.StartsWith(rootWithSeparator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Artifact key '{key}' resolves outside the store root {Root}.", nameof(key));
        }

        return path;
    }
}
