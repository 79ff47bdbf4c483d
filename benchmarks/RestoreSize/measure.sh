#!/bin/bash
# What a program that uses only the local stack restores and ships: it references the StepOperator package alone.
# Packs every package (the README's command) into a fresh feed, creates a console app with one step and one pipeline,
# builds it with a packages folder of its own, and prints the packages restored (count, bytes) and the build output
# (files, bytes), with the ratios to the single package of before (measured on 2026-12-03 at commit 1219af6, the last
# commit with one package for every backend: 44 packages, 203,920,883 bytes; 65 files, 18,475,835 bytes).
#
#   bash benchmarks/RestoreSize/measure.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/stepoperator-restore-size-XXXXXX)
trap 'rm -rf "$work"' EXIT
version=0.0.0-restore-size

dotnet pack "$repo/StepOperator.Packages.slnf" -c Release -o "$work/feed" -p:Version=$version > "$work/pack.log" 2>&1 || { tail -20 "$work/pack.log"; exit 1; }
mkdir -p "$work/app"
cat > "$work/app/LocalOnly.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><RestorePackagesPath>$work/packages</RestorePackagesPath></PropertyGroup>
  <ItemGroup><PackageReference Include="StepOperator" Version="$version" /></ItemGroup>
</Project>
XML
cat > "$work/app/nuget.config" <<XML
<configuration>
  <config><add key="globalPackagesFolder" value="$work/packages" /></config>
  <packageSources><clear /><add key="local" value="$work/feed" /><add key="cache" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" /></packageSources>
</configuration>
XML
cat > "$work/app/Steps.cs" <<'CS'
public static partial class Steps
{
    [StepOperator.Step] public static int Double(int x) => x * 2;
    [StepOperator.Pipeline] public static async System.Threading.Tasks.Task Run() => System.Console.WriteLine(await Submit.Double(21));
}
CS
dotnet build "$work/app" -c Release -o "$work/out" > "$work/build.log" 2>&1 || { tail -20 "$work/build.log"; exit 1; }

packages=$(ls "$work/packages" | wc -l)
package_bytes=$(du -sb "$work/packages" | cut -f1)
files=$(find "$work/out" -type f | wc -l)
file_bytes=$(du -sb "$work/out" | cut -f1)
awk -v p="$packages" -v pb="$package_bytes" -v f="$files" -v fb="$file_bytes" 'BEGIN {
  printf "local-only restore: %d packages (%.1f MB), build output: %d files (%.1f MB)\n", p, pb / 1e6, f, fb / 1e6
  printf "against one package for every backend: packages %.2fx, bytes %.2fx, files %.2fx, output bytes %.2fx\n", p / 44, pb / 203920883, f / 65, fb / 18475835
}'
echo "restored: $(ls "$work/packages" | tr '\n' ' ')"
