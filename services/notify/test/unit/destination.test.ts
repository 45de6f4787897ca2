import { describe, expect, it } from "vitest";
import { addressRule, blockedReason, v6Bytes } from "../../src/addresses.ts";
import { checkDestination, RefusedDestination } from "../../src/destination.ts";

const resolver = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return found;
};

describe("addresses a webhook may not reach", () => {
  it.each([
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["169.254.169.254", "link-local (metadata)"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.254", "carrier-grade NAT"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["192.0.0.192", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "unique-local (metadata)"],
    ["fd00:ec2::254", "unique-local (metadata)"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped link-local (metadata)"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["64:ff9b::a00:1", "NAT64 private"],
    ["2002:c0a8:101::1", "6to4 private"],
    ["2001:db8::1", "documentation"],
    ["2001:0:4136:e378::1", "Teredo"],
    ["100::1", "not global unicast"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:93.184.216.34",
    "64:ff9b::808:808",
    "2002:5db8:d822::1",
  ])("allows the public address %s", (address) => {
    expect(blockedReason(address)).toBeUndefined();
  });

  it("reads every IPv6 spelling to the same bytes", () => {
    expect(v6Bytes("::ffff:127.0.0.1")).toEqual(v6Bytes("0:0:0:0:0:ffff:7f00:1"));
    expect(v6Bytes("fe80::1%eth0").slice(0, 2)).toEqual([0xfe, 0x80]);
  });

  it("lets the local platform reach loopback, and plain http reach nothing else", () => {
    const localHttp = addressRule("local", "http:");
    expect(localHttp("127.0.0.1")).toBeUndefined();
    expect(localHttp("::1")).toBeUndefined();
    expect(localHttp("93.184.216.34")).toBe("plain http may only reach 127.0.0.1 locally");
    expect(localHttp("10.0.0.1")).toBe("10.0.0.1 is private");
    expect(addressRule("local", "https:")("93.184.216.34")).toBeUndefined();
    expect(addressRule("cloud", "https:")("127.0.0.1")).toBe("127.0.0.1 is loopback");
  });
});

describe("checking a URL at registration", () => {
  const cloud = (url: string, table: Record<string, string[]> = {}) =>
    checkDestination(url, "cloud", resolver(table));

  it("accepts https to a host that resolves to public addresses only", async () => {
    const url = await cloud("https://hooks.example.com/in?x=1", {
      "hooks.example.com": ["93.184.216.34", "2606:4700::1"],
    });
    expect(url.href).toBe("https://hooks.example.com/in?x=1");
  });

  it("refuses a host when any address it resolves to is private, IPv6 and mapped forms included", async () => {
    await expect(
      cloud("https://hooks.example.com/", { "hooks.example.com": ["93.184.216.34", "10.0.0.7"] }),
    ).rejects.toThrow("hooks.example.com resolves to a refused address: 10.0.0.7 is private");
    await expect(
      cloud("https://six.example.com/", { "six.example.com": ["fd12::1"] }),
    ).rejects.toThrow("fd12::1 is unique-local (metadata)");
    await expect(
      cloud("https://mapped.example.com/", { "mapped.example.com": ["::ffff:169.254.169.254"] }),
    ).rejects.toThrow("::ffff:169.254.169.254 is IPv4-mapped link-local (metadata)");
  });

  it("refuses IP literals in the private ranges without resolving anything", async () => {
    await expect(cloud("https://169.254.169.254/latest/meta-data")).rejects.toThrow(
      "169.254.169.254 is link-local (metadata)",
    );
    await expect(cloud("https://[::1]:8443/")).rejects.toThrow("::1 is loopback");
    await expect(cloud("https://[::ffff:7f00:1]/")).rejects.toThrow("IPv4-mapped loopback");
  });

  it("refuses plain http, credentials, other schemes, and names that do not resolve", async () => {
    await expect(cloud("http://hooks.example.com/")).rejects.toThrow("must be https in the cloud");
    await expect(cloud("https://user:pw@hooks.example.com/")).rejects.toThrow(
      "must not carry credentials",
    );
    await expect(cloud("ftp://hooks.example.com/")).rejects.toBeInstanceOf(RefusedDestination);
    await expect(cloud("not a url")).rejects.toThrow("is not an absolute URL");
    await expect(cloud("https://nowhere.example/")).rejects.toThrow(
      "nowhere.example does not resolve (ENOTFOUND)",
    );
  });

  it("allows only ports 443 and 8443 in the cloud", async () => {
    const table = { "hooks.example.com": ["93.184.216.34"] };
    for (const url of ["https://hooks.example.com/", "https://hooks.example.com:8443/in"])
      expect((await cloud(url, table)).href).toBe(url);
    expect((await cloud("https://hooks.example.com:443/", table)).port).toBe("");
    for (const port of [22, 80, 6379, 8080, 9200])
      await expect(cloud(`https://hooks.example.com:${port}/`, table)).rejects.toThrow(
        "must use port 443 or 8443 in the cloud",
      );
  });

  it("allows http://127.0.0.1 on the local platform only", async () => {
    const local = await checkDestination("http://127.0.0.1:9000/hook", "local", resolver({}));
    expect(local.port).toBe("9000");
    await expect(cloud("http://127.0.0.1:9000/hook")).rejects.toThrow("must be https");
    await expect(cloud("https://127.0.0.1/hook")).rejects.toThrow("127.0.0.1 is loopback");
    await expect(checkDestination("http://10.0.0.1/hook", "local", resolver({}))).rejects.toThrow(
      "10.0.0.1 is private",
    );
  });
});
