using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Docker;

/// <summary>One file of the program's build output, as it goes into the image.</summary>
/// <param name="RelativePath">Path under the build output, '/'-separated.</param>
/// <param name="FullPath">Where it is on disk.</param>
/// <param name="IsApplication">True for the program's own files (the last, most often changing layer).</param>
/// <param name="Sha256">Content hash, lower-case hex.</param>
/// <param name="Executable">True when the file is executable.</param>
internal sealed record ContextFile(string RelativePath, string FullPath, bool IsApplication, string Sha256, bool Executable);

/// <summary>
/// What goes into a step image: a generated Dockerfile on a .NET runtime base image and the program's
/// build output in two layers (dependencies, then the program's own files). Tagged by a hash of all
/// of it; sent to the engine as a tar stream written on the fly, never as a copy of the tree.
/// </summary>
internal sealed class ImageBuildContext
{
    /// <summary>Every tar entry gets this time, so the same files always make the same tar.</summary>
    private static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private ImageBuildContext(string directory, string entryAssembly, string baseImage, IReadOnlyList<ContextFile> files)
    {
        Directory = directory;
        EntryAssembly = entryAssembly;
        BaseImage = baseImage;
        Files = files;
        Dockerfile = CreateDockerfile(baseImage, files.Any(f => !f.IsApplication));
        EntrypointScript = CreateEntrypointScript(entryAssembly);
        ContentHash = ComputeHash();
    }

    public string Directory { get; }

    /// <summary>The program's main assembly file name ("TrainingPipeline.dll").</summary>
    public string EntryAssembly { get; }

    public string BaseImage { get; }

    public IReadOnlyList<ContextFile> Files { get; }

    public string Dockerfile { get; }

    /// <summary>
    /// The image's entrypoint: "step ..." runs the program's generated step entrypoint; any other
    /// command runs as given, so platforms that pass a whole command (Modal) work too.
    /// </summary>
    public string EntrypointScript { get; }

    /// <summary>Where the entrypoint script lives in the image.</summary>
    public const string EntrypointPath = "/usr/local/bin/stepoperator-entrypoint";

    /// <summary>SHA-256 of the Dockerfile and of every file's path, mode and content.</summary>
    public string ContentHash { get; }

    /// <summary>Reads a program's build output (hashing each file once, streamed).</summary>
    public static async Task<ImageBuildContext> FromDirectoryAsync(string directory, string entryAssembly, string baseImage, CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(directory, entryAssembly)))
        {
            throw new FileNotFoundException($"The program's build output {directory} has no {entryAssembly}.", Path.Combine(directory, entryAssembly));
        }

        var applicationPrefix = Path.GetFileNameWithoutExtension(entryAssembly);
        var files = new List<ContextFile>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/');
            var name = Path.GetFileName(relative);
            var isApplication = !relative.Contains('/') &&
                (name == applicationPrefix || name.StartsWith(applicationPrefix + ".", StringComparison.Ordinal));
            string hash;
            await using (var stream = File.OpenRead(path))
            {
                hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
            files.Add(new ContextFile(relative, path, isApplication, hash, executable));
        }

        return new ImageBuildContext(directory, entryAssembly, baseImage, files);
    }

    /// <summary>Writes the build context as a tar: the Dockerfile, deps/… and app/….</summary>
    public async Task WriteTarAsync(Stream destination, CancellationToken cancellationToken)
    {
        await using var writer = new TarWriter(destination, TarEntryFormat.Ustar, leaveOpen: true);
        var dockerfile = Encoding.UTF8.GetBytes(Dockerfile);
        await writer.WriteEntryAsync(Entry("Dockerfile", new MemoryStream(dockerfile), executable: false), cancellationToken).ConfigureAwait(false);
        var script = Encoding.UTF8.GetBytes(EntrypointScript);
        await writer.WriteEntryAsync(Entry("stepoperator-entrypoint", new MemoryStream(script), executable: true), cancellationToken).ConfigureAwait(false);
        foreach (var file in Files)
        {
            await using var content = File.OpenRead(file.FullPath);
            var name = (file.IsApplication ? "app/" : "deps/") + file.RelativePath;
            await writer.WriteEntryAsync(Entry(name, content, file.Executable), cancellationToken).ConfigureAwait(false);
        }
    }

    private static UstarTarEntry Entry(string name, Stream content, bool executable) => new(TarEntryType.RegularFile, name)
    {
        DataStream = content,
        ModificationTime = FixedTime,
        Mode = executable
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        Uid = 0,
        Gid = 0,
    };

    private static string CreateEntrypointScript(string entryAssembly) =>
        "#!/bin/sh\n" +
        "# StepOperator step image: 'step <name> ...' runs the program's step entrypoint; anything else runs as given.\n" +
        "if [ \"$1\" = \"step\" ]; then exec dotnet /app/" + entryAssembly + " \"$@\"; fi\n" +
        "exec \"$@\"\n";

    private static string CreateDockerfile(string baseImage, bool hasDependencies)
    {
        var text = new StringBuilder();
        text.Append("FROM ").Append(baseImage).Append('\n');
        text.Append("COPY stepoperator-entrypoint ").Append(EntrypointPath).Append('\n');
        text.Append("WORKDIR /app\n");
        if (hasDependencies)
        {
            text.Append("COPY deps/ /app/\n");
        }

        text.Append("COPY app/ /app/\n");
        text.Append("ENTRYPOINT [\"").Append(EntrypointPath).Append("\"]\n");
        return text.ToString();
    }

    private string ComputeHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add("stepoperator-image-v1");
        Add(Dockerfile);
        Add(EntrypointScript);
        foreach (var file in Files)
        {
            Add($"{(file.IsApplication ? "app" : "deps")}/{file.RelativePath} {(file.Executable ? "755" : "644")} {file.Sha256}");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
