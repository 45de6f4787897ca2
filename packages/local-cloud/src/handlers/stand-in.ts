/**
 * The function of a stand-in caller (see startTestCloud's `callers`): it exists so that the
 * operations' allow-lists may name a service the test platform does not run. Tests call as that
 * service from the test itself; nothing invokes this function.
 */
export const handler = async () => {
  throw new Error(
    `${process.env.PLATFORM_SERVICE} is a stand-in on this test platform: it has no code to run`,
  );
};
